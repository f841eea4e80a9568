"""What `higgshunt fit` fits: the options, checked before anything is read."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from higgshunt import configuration
from higgshunt.errors import ConfigError


@dataclass(frozen=True)
class FitOptions:
    """What to fit.

    Attributes:
        hist: "FILE.root:HISTNAME" of the mass spectrum (data or pseudo-data).
        mass_range: (low, high) fit range, in the histogram's units, inside its range; moved inwards to bin
            edges.
        signal: "gauss" or "dscb".
        background: "exp", "exppoly2" or "bern4".
        signal_mass: the hypothesised mass: start and centre of the floating window, and the fixed-mass
            hypothesis. None: the largest excess over the background-only fit (or the simulation's peak).
        width: signal resolution (sigma), fixed. None: from the simulation, else floating.
        signal_shape: "FILE.root:HISTNAME" of simulated signal; its fit fixes the width and the tails.
        mass_window: half-width of the window in which the mass floats; None: 3 widths.
        seed: seed of ROOT's random generator and of the scan's background-only toys (recorded).
        scan: (low, high) of a mass scan (fixed-mass fits, local p0 per mass, global significance from
            toys); None: no scan.
        scan_step: spacing of the scanned masses; None: half the signal width.
        toys: number of background-only toys of the scan's global significance.
        look_elsewhere: how the toys give the global significance: "toys" (the fraction of toys whose
            largest q0 reaches the data's) or "upcrossings" (Gross-Vitells, calibrated on the toys;
            higgshunt.fit.scan).
        expected_signal, expected_background: "FILE.root:HISTNAME" of the simulated signal and background
            (same binning as `hist`): with both, the pre-fit expected significance `z_expected` is computed
            first, on their Asimov data set (higgshunt.fit.expected); None: none.
    """

    hist: str
    mass_range: tuple[float, float]
    signal: str = "gauss"
    background: str = "exp"
    signal_mass: float | None = None
    width: float | None = None
    signal_shape: str | None = None
    mass_window: float | None = None
    seed: int = 0
    scan: tuple[float, float] | None = None
    scan_step: float | None = None
    toys: int = 100
    look_elsewhere: str = "toys"
    expected_signal: str | None = None
    expected_background: str | None = None


def validate(options: FitOptions) -> None:
    """Check option values against `schemas/fit.json`, then what the schema cannot express (finite numbers,
    ranges across options), before reading anything (ConfigError names the option)."""
    configuration.validate_options(
        {
            **asdict(options),
            "mass_range": list(options.mass_range),
            "scan": list(options.scan) if options.scan is not None else None,
        },
        "fit",
    )
    if (options.expected_signal is None) != (options.expected_background is None):
        raise ConfigError("--expected: needs both the simulated signal and the simulated background")
    lo, hi = options.mass_range
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ConfigError(f"--mass-range: [{lo}, {hi}] must be two finite numbers")
    if not lo < hi:
        raise ConfigError(f"--mass-range: low {lo} must be below high {hi}")
    if options.signal_mass is not None and not lo < options.signal_mass < hi:
        raise ConfigError(f"--signal-mass: {options.signal_mass} is outside the mass range [{lo}, {hi}]")
    for name, value in (("--width", options.width), ("--mass-window", options.mass_window)):
        if value is not None and not math.isfinite(value):
            raise ConfigError(f"{name}: {value} must be a finite number")
