"""Spurious-signal test: which background function can describe the background without faking a signal.

For each candidate function (simplest first: exp, exppoly2, bern4), signal + background is fitted to a
high-statistics background-only template (the simulated background, its sums of weights taken as the expected
counts at the luminosity, so the fitted yield's error is the statistical uncertainty of data), with the signal
width fixed and the mass fixed at each hypothesis across the range. The fitted signal yield S_spur(m) is the
signal the function fakes. A function passes the criterion used in ATLAS H->gamma gamma analyses:

    max_m |S_spur(m)| / sigma_S(m) < 20%   or   max_m |S_spur(m)| < 10% of the expected signal,

sigma_S(m) being the fitted yield's error at that mass. The simplest passing function is chosen, and its
largest |S_spur| is the spurious-signal systematic (a signal-shaped yield it may fake).

A simulated template fluctuates itself: with few (or heavy-weight) simulated events S_spur measures those
fluctuations as much as the function's bias. When the template's sums of squared weights are known, the
criterion is the relaxed one of ATLAS (e.g. Phys. Rev. D 98 (2018) 052005): |S_spur(m)| is reduced by up to
two of its own MC-statistical uncertainties, zeta(m) = max(0, |S_spur(m)| - 2 Delta_MC(m)), and zeta takes
the place of |S_spur| in the criterion. Delta_MC(m) is sigma_S(m) scaled from the template's expected counts
to its effective simulated events near the peak: sigma_S(m) sqrt(sum w^2 / sum w) over the bins within two
widths of m (exact for uniform weights, where the error of a fitted yield scales with sqrt(w)). The
systematic stays the unreduced max |S_spur|. When Delta_MC exceeds sigma_S where |S_spur| is largest (fewer
effective simulated events than the data would hold), the template's statistics dominate the test, and the
result says so (`template_dominated`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from higgshunt.artifacts import spurious_signal
from higgshunt.errors import ConfigError, FitError
from higgshunt.fit import likelihood as lk
from higgshunt.fit.models import BACKGROUNDS, build
from higgshunt.fit.spectrum import Spectrum, parse_spec, read_spectrum
from higgshunt.outputs import atomic_output
from higgshunt.provenance import collect

log = logging.getLogger(__name__)

MAX_RELATIVE_TO_UNCERTAINTY = 0.2
MAX_RELATIVE_TO_SIGNAL = 0.1
MC_REDUCTION = 2.0  # |S_spur| may be reduced by up to this many of its MC-statistical uncertainties
CRITERION = (
    f"max zeta < {MAX_RELATIVE_TO_UNCERTAINTY:.0%} of the fitted signal yield's statistical uncertainty "
    f"or < {MAX_RELATIVE_TO_SIGNAL:.0%} of the expected signal, over the mass hypotheses, with "
    f"zeta = max(0, |S_spur| - {MC_REDUCTION:g} Delta_MC) (relaxed for the template's MC statistics; "
    "Delta_MC = 0 for a template without sums of squared weights)"
)


@dataclass(frozen=True)
class FunctionTest:
    """One background function's spurious signal.

    Attributes:
        background: the function.
        masses, spurious, uncertainty: per mass hypothesis, the fitted signal yield and its error.
        mc_uncertainty: per mass hypothesis, Delta_MC, the MC-statistical uncertainty of S_spur.
        max_spurious: the largest |S_spur| (events): the systematic.
        max_relative_to_uncertainty: the largest zeta / sigma_S (zeta: |S_spur| reduced by up to 2 Delta_MC).
        relative_to_signal: the largest zeta / expected signal.
        passes: the criterion (CRITERION) holds.
        failed_fits: mass hypotheses whose fit did not converge (they fail the function).
        template_dominated: Delta_MC > sigma_S where |S_spur| is largest: the template's statistics dominate.
    """

    background: str
    masses: list[float]
    spurious: list[float]
    uncertainty: list[float]
    mc_uncertainty: list[float]
    max_spurious: float
    max_relative_to_uncertainty: float
    relative_to_signal: float
    passes: bool
    failed_fits: list[float]
    template_dominated: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SpuriousSignal:
    """The test of every candidate function and the choice: the simplest that passes (None: none passes)."""

    tests: list[FunctionTest]
    chosen: str | None
    expected_signal: float
    width: float
    signal: str

    @property
    def spurious_signal(self) -> float | None:
        """The chosen function's largest |S_spur| (events): the systematic."""
        return next((t.max_spurious for t in self.tests if t.background == self.chosen), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": CRITERION,
            "chosen": self.chosen,
            "spurious_signal": self.spurious_signal,
            "expected_signal": self.expected_signal,
            "width": self.width,
            "signal": self.signal,
            "functions": [t.to_json() for t in self.tests],
        }


def default_masses(edges: np.ndarray, width: float) -> np.ndarray:
    """Hypotheses every signal width, at least two widths inside the range (so the peak is in it)."""
    lo, hi = float(edges[0]) + 2 * width, float(edges[-1]) - 2 * width
    if hi <= lo:
        raise ConfigError(
            f"spurious signal: the range [{edges[0]:g}, {edges[-1]:g}] is narrower than 4 widths"
        )
    return np.arange(lo, hi + 1e-9 * width, width)


def check_function(
    template: Spectrum, background: str, signal: str, width: float, masses: np.ndarray, expected_signal: float
) -> FunctionTest:
    """Fit signal + `background` to the template at every mass in `masses` (width fixed)."""
    lo, hi = float(template.edges[0]), float(template.edges[-1])
    with lk.quiet_roofit():
        model = build(
            template,
            signal,
            background,
            mass=float(masses[0]),
            mass_window=(lo, hi),
            width=width,
            width_range=(0.5 * width, 2.0 * width),
        )
        model.width.setConstant(True)
        model.mass.setConstant(True)
        nll = lk.create_nll(model, model.data)
        if lk.fit_background_only(model, nll, f"{background} background-only").status != 0:
            raise FitError(
                f"spurious signal: the background-only {background} fit of {template.source} failed"
            )
        start = lk.snapshot(model)
        spurious, uncertainty, failed = [], [], []
        for mass in masses:
            lk.restore(model, start)
            model.mass.setVal(float(mass))
            model.n_signal.setVal(0.0)
            fit = lk.minimize(nll, f"{background} m={mass:g}")
            if fit.status != 0 or fit.covariance_quality < 2:
                failed.append(float(mass))
                continue
            spurious.append(float(model.n_signal.getVal()))
            uncertainty.append(float(model.n_signal.getError()))
    fitted = [m for m in masses if float(m) not in failed]
    mc = mc_uncertainties(template, np.array(fitted), np.array(uncertainty), width)
    size = np.abs(np.array(spurious)) if spurious else np.array([np.inf])
    reduced = np.clip(size - MC_REDUCTION * mc, 0.0, None) if spurious else size
    worst = int(np.argmax(size))
    max_spurious = float(size[worst])
    relative = float((reduced / np.array(uncertainty)).max()) if spurious else float("inf")
    relative_signal = float(reduced.max()) / expected_signal
    passes = not failed and (
        relative < MAX_RELATIVE_TO_UNCERTAINTY or relative_signal < MAX_RELATIVE_TO_SIGNAL
    )
    dominated = bool(spurious) and bool(mc[worst] > uncertainty[worst])
    log.info(
        "spurious signal of %s: max |S| %.2f events, reduced by its MC uncertainty to %.0f%% of the fit "
        "uncertainty and %.0f%% of the expected signal: %s%s",
        background,
        max_spurious,
        100 * relative,
        100 * relative_signal,
        "passes" if passes else "fails",
        " (the template's statistics dominate)" if dominated else "",
    )
    return FunctionTest(
        background=background,
        masses=[float(m) for m in fitted],
        spurious=spurious,
        uncertainty=uncertainty,
        mc_uncertainty=[float(d) for d in mc],
        max_spurious=max_spurious,
        max_relative_to_uncertainty=relative,
        relative_to_signal=relative_signal,
        passes=passes,
        failed_fits=failed,
        template_dominated=dominated,
    )


def mc_uncertainties(
    template: Spectrum, masses: np.ndarray, uncertainty: np.ndarray, width: float
) -> np.ndarray:
    """Delta_MC at each mass: the fit uncertainty `uncertainty` scaled by sqrt(sum w^2 / sum w) of the
    template's bins within two widths of the mass (module docstring); zeros without sums of squared
    weights."""
    if template.sumw2 is None or len(masses) == 0:
        return np.zeros(len(masses))
    near = np.abs(template.centers[None, :] - masses[:, None]) <= 2.0 * width
    counts = (near * template.counts).sum(axis=1)
    sumw2 = (near * template.sumw2).sum(axis=1)
    ratio = np.divide(sumw2, counts, out=np.ones_like(counts), where=counts > 0)
    return uncertainty * np.sqrt(np.clip(ratio, 0.0, None))


def spurious_signal_test(
    template: Spectrum,
    *,
    signal: str,
    width: float,
    expected_signal: float,
    masses: np.ndarray | None = None,
    candidates: tuple[str, ...] = BACKGROUNDS,
) -> SpuriousSignal:
    """Test every candidate background function on the background-only `template` (simplest first) and choose
    the simplest that passes (module docstring).

    Raises:
        ConfigError: a non-positive expected signal or width, a range narrower than 4 widths.
        FitError: a background-only fit that fails.
    """
    if not expected_signal > 0:
        raise ConfigError(f"spurious signal: the expected signal must be positive, got {expected_signal}")
    if not width > 0:
        raise ConfigError(f"spurious signal: the signal width must be positive, got {width}")
    masses = default_masses(template.edges, width) if masses is None else masses
    tests = [check_function(template, b, signal, width, masses, expected_signal) for b in candidates]
    chosen = next((t.background for t in tests if t.passes), None)
    if chosen is None:
        log.warning("spurious signal: no background function among %s passes (%s)", candidates, CRITERION)
    return SpuriousSignal(
        tests=tests, chosen=chosen, expected_signal=expected_signal, width=width, signal=signal
    )


def core_width(signal: Spectrum) -> float:
    """The Gaussian core width of the simulated signal: a Gaussian's bin integrals fitted to the bins within
    2 widths of the peak, starting from half the narrowest interval holding 68.3% of the signal (which alone
    is biased upwards by the binning, and on which it falls back when fewer than 4 bins are that close)."""
    counts = np.clip(signal.counts, 0.0, None)
    if counts.sum() <= 0:
        raise ConfigError(f"--signal-shape {signal.source}: no simulated signal in the range")
    cumulative = np.concatenate([[0.0], np.cumsum(counts)]) / counts.sum()
    grid = np.linspace(0.0, 1.0 - 0.683, 200)
    lows = np.interp(grid, cumulative, signal.edges)
    highs = np.interp(grid + 0.683, cumulative, signal.edges)
    best = int(np.argmin(highs - lows))
    rough, peak = 0.5 * float(highs[best] - lows[best]), 0.5 * float(highs[best] + lows[best])
    near = np.abs(signal.centers - peak) <= 2.0 * rough
    if near.sum() < 4:
        return rough
    low, high = signal.edges[:-1][near], signal.edges[1:][near]

    def residuals(p: np.ndarray) -> np.ndarray:
        n, mean, sigma = p
        model = n * (stats.norm.cdf(high, mean, sigma) - stats.norm.cdf(low, mean, sigma))
        return (model - counts[near]) / np.sqrt(np.maximum(counts[near], 1e-9 * counts.max()))

    fit = optimize.least_squares(
        residuals,
        [counts.sum(), peak, rough],
        bounds=([0, low[0], 0.05 * rough], [np.inf, high[-1], 2 * rough]),
    )
    return float(fit.x[2]) if fit.success else rough


def run_spurious_signal(
    template_spec: str,
    mass_range: tuple[float, float],
    output: str | Path,
    *,
    signal: str,
    signal_shape: str | None,
    width: float | None,
    expected_signal: float | None,
    scan: tuple[float, float] | None = None,
    step: float | None = None,
) -> SpuriousSignal:
    """The spurious-signal test of the background-only histogram `template_spec` in `mass_range`, written to
    the folder `output` whole (`higgshunt.artifacts.spurious_signal`).

    The signal template `signal_shape` gives the expected signal (its integral in the range) and the width
    (`core_width`), unless `expected_signal` and `width` are given. The masses are `scan` (LO, HI) every
    `step` (default: one width), else `default_masses`.

    Raises:
        ConfigError: no width or expected signal from either source, a scan outside the range.
        InputError: an unreadable histogram. FitError: a background-only fit that fails.
    """
    template = read_spectrum(template_spec, mass_range)
    shape = read_spectrum(signal_shape, mass_range) if signal_shape else None
    if shape is None:
        if width is None or expected_signal is None:
            raise ConfigError("--spurious-signal: give --signal-shape, or both --width and --expected-signal")
        expected = expected_signal
    else:
        width = width if width is not None else core_width(shape)
        expected = expected_signal if expected_signal is not None else float(shape.counts.sum())
    masses = None
    if scan is not None:
        lo, hi = scan
        if not template.edges[0] <= lo < hi <= template.edges[-1]:
            raise ConfigError(f"--scan: [{lo}, {hi}] must be an increasing range inside the fit range")
        masses = np.arange(lo, hi + 1e-9 * width, step if step is not None else width)
    result = spurious_signal_test(
        template, signal=signal, width=width, expected_signal=expected, masses=masses
    )
    inputs = {
        "hist": template_spec,
        "mass_range": list(mass_range),
        "signal": signal,
        "signal_shape": signal_shape,
        "width": width,
        "expected_signal": expected,
        "scan": list(scan) if scan else None,
        "step": step,
    }
    document = {**result.to_json(), "inputs": inputs, "provenance": collect(inputs)}
    sources = [parse_spec(spec)[0] for spec in (template_spec, signal_shape) if spec]
    with atomic_output(output, inputs=sources) as tmp:
        tmp.mkdir()
        spurious_signal.save(tmp, document)
    return result
