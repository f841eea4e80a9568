"""`<fit>/fit.json`: the result of `higgshunt fit` (yields, mass, significances, fit qualities), the options
it was fitted with and the provenance; written by `higgshunt fit`. The bump hunt's report puts the same
FitResult (`to_json`) into its summary per category.

The file is one flat JSON object: the FitResult fields, `inputs`, `provenance` and `format_version`.
Undefined numbers (e.g. chi2/ndf without degrees of freedom) are null in the file and NaN when loaded.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import load_versioned, write_json
from higgshunt.errors import ArtifactError

FILE_NAME = "fit.json"
FORMAT_VERSION = 3
# fields stored as they are (no NaN conversion, no tuples)
_AS_STORED = ("quality", "scan", "look_elsewhere", "counts", "z_expected", "expected", "chi2_pearson")
VERSION_KEY = "format_version"
_SCHEMA = "fit_result"
_WHAT = "a higgshunt fit result (fit.json)"


class FitResultError(ArtifactError):
    """fit.json is missing, unreadable, of another format version or not a fit result."""


@dataclass(frozen=True)
class FitResult:
    """The numbers of one fit. Masses and widths in the histogram's units, yields in events.

    Attributes:
        significance_local: Z = sqrt(q0) with the mass floating in `mass_window` ("mass_floating") and with
            the mass fixed at `fixed_mass` ("mass_fixed"), plus the q0 values.
        z_expected: the pre-fit expected significance (higgshunt.fit.expected): the fit's model on the Asimov
            data set of the simulated signal and background, computed before the data are fitted; None
            without simulated templates.
        expected: its details (mass hypothesis, width, expected signal and background in the fit range, q0,
            what it is); None without simulated templates.
        significance_postfit_asimov: post-fit Asimov Z of the signal + background model fitted to these data
            (mass fixed at the fit); it moves with the observed fluctuation and is no pre-fit expectation.
        chi2, ndf, chi2_ndf: the Poisson likelihood-ratio (Baker-Cousins) chi2 of the signal + background fit
            over the bins, ndf = bins - free parameters; the quality gate's chi2.
        chi2_pearson: Pearson's chi2 of the same fit (kept for comparison; unreliable on sparse bins).
        status, covariance_quality: of the main (floating-mass) fit.
        fits: every minimisation (nll, status, covariance quality, edm).
        parameters: value and error of every model parameter after the main fit.
        mass_range: the fit range actually used, the requested range moved inwards to whole bins.
        quality: {"ok": bool, "problems": [text, ...], "notes": [text, ...]}: a failed fit, an inaccurate
            covariance, a free parameter at a limit or a chi2 p-value below 0.01 make the fit not ok; its
            significances are then not to be quoted. Notes: what was checked and not counted (the mass at
            its window's edge when the fitted signal is compatible with none).
        scan: with a mass scan, [{mass, z_local, p0_local, signal_yield}] per mass hypothesis; else None.
        look_elsewhere: with a mass scan, the smallest local p0 and its mass, the global p-value and
            significance over the scanned range, the method (background-only toys), their number and seed.
        counts: how the bin contents were treated: {"treatment": "poisson" or "effective_events",
            "scale", "effective_events", "note"} (a weighted histogram is fitted as effective events).
    """

    mass: float
    mass_err: float
    width: float
    width_err: float
    signal_yield: float
    signal_yield_err: float
    background_yield: float
    background_yield_err: float
    significance_local: dict[str, float]
    significance_postfit_asimov: float
    mass_window: tuple[float, float]
    fixed_mass: float
    chi2: float
    ndf: int
    chi2_ndf: float
    status: int
    covariance_quality: int
    fits: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    mass_range: tuple[float, float]
    quality: dict[str, Any]
    scan: list[dict[str, float]] | None = None
    look_elsewhere: dict[str, Any] | None = None
    counts: dict[str, Any] | None = None
    z_expected: float | None = None
    expected: dict[str, Any] | None = None
    chi2_pearson: float | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FitRecord:
    """What fit.json holds: the result, the options of the fit (`inputs`) and the provenance."""

    result: FitResult
    inputs: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def path(directory: str | Path) -> Path:
    """Where the fit result of the output folder `directory` is."""
    return Path(directory) / FILE_NAME


def save(directory: str | Path, record: FitRecord) -> Path:
    """Write `directory`/fit.json atomically and read it back; returns its path.

    Raises:
        OutputError: the file cannot be written (no space, file too large, no permission).
    """
    target = path(directory)
    document = {
        **record.result.to_json(),
        "inputs": record.inputs,
        "provenance": record.provenance,
        VERSION_KEY: FORMAT_VERSION,
    }
    write_json(target, document)
    return target


def load(directory: str | Path) -> FitRecord:
    """The fit result in `directory`.

    Raises:
        FitResultError: no file, not JSON, another format version, or not a fit result (the schema names
            the key at fault).
    """
    source = path(directory)
    document = load_versioned(
        source, version=FORMAT_VERSION, schema=_SCHEMA, error=FitResultError, what=_WHAT
    )
    values: dict[str, Any] = {item.name: document.get(item.name) for item in dataclasses.fields(FitResult)}
    result = FitResult(
        **{name: _number(value) for name, value in values.items()}
        | {key: tuple(_number(edge) for edge in values[key]) for key in ("mass_window", "mass_range")}
        | {key: values[key] for key in _AS_STORED}
    )
    return FitRecord(result=result, inputs=document["inputs"], provenance=document["provenance"])


def _number(value: Any) -> Any:
    """null (an undefined number in the file) as NaN, inside containers too."""
    if value is None:
        return math.nan
    if isinstance(value, dict):
        return {key: _number(item) for key, item in value.items()}
    return value
