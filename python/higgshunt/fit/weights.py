"""Weighted histograms (simulation, weighted pseudo-data) are not Poisson counts: they are fitted as effective
events.

A bin holding sum w with sum w^2 fluctuates like sum w^2, not like sum w. The spectrum is scaled by
k = sum(w) / sum(w^2) over the fit range (one factor: the shape is kept), which makes the total an effective
number of events N_eff = (sum w)^2 / sum w^2 with Poisson fluctuations; the fit runs on those, and yields,
their errors and the plotted curves are scaled back by 1 / k into weighted events. For uniform weights w this
is exact: a yield's error is w times that of the unweighted counts, where treating sum w as counts would give
sqrt(w) times. Significances (q0) and chi2 are those of the effective events: the statistical power of the
simulated sample, not of data at the luminosity (that is the pre-fit expected significance).
An unweighted histogram (sum w^2 = sum w, e.g. collision data) is fitted as Poisson counts unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from higgshunt.artifacts.fit_result import FitResult
from higgshunt.fit.plotting import FitCurves
from higgshunt.fit.spectrum import Spectrum

POISSON = "poisson"
EFFECTIVE = "effective_events"
_UNWEIGHTED_TOLERANCE = 1e-6  # relative: sum w^2 this close to sum w in every bin means unit weights


def is_weighted(spectrum: Spectrum) -> bool:
    """True when some bin's sum of squared weights differs from its content (weights other than 1)."""
    if spectrum.sumw2 is None:
        return False
    scale = np.maximum(np.abs(spectrum.counts), 1.0)
    return bool(np.any(np.abs(spectrum.sumw2 - spectrum.counts) > _UNWEIGHTED_TOLERANCE * scale))


def effective_events(spectrum: Spectrum) -> tuple[Spectrum, float]:
    """The spectrum in effective events and the factor k applied (1 for an unweighted spectrum)."""
    if not is_weighted(spectrum):
        return spectrum, 1.0
    assert spectrum.sumw2 is not None
    k = float(spectrum.counts.sum() / spectrum.sumw2.sum())
    return dataclasses.replace(spectrum, counts=spectrum.counts * k, sumw2=spectrum.sumw2 * k * k), k


def describe(spectrum: Spectrum, k: float) -> dict[str, Any]:
    """What fit.json records as `counts`: how the bin contents were treated."""
    if k == 1.0:
        return {"treatment": POISSON, "scale": 1.0, "effective_events": float(spectrum.counts.sum())}
    return {
        "treatment": EFFECTIVE,
        "scale": k,
        "effective_events": float(spectrum.counts.sum()),
        "note": "weighted histogram: fitted as effective events (sum w)^2 / sum w^2; yields and errors in "
        "weighted events; significances and chi2 of the effective events",
    }


def to_weighted(result: FitResult, curves: FitCurves, k: float) -> tuple[FitResult, FitCurves]:
    """Yields, their errors, the scan's yields and the plotted curves back in weighted events."""
    if k == 1.0:
        return result, curves
    yields = ("n_signal", "n_background")
    parameters = {
        name: {**entry, "value": entry["value"] / k, "error": entry["error"] / k} if name in yields else entry
        for name, entry in result.parameters.items()
    }
    scan = (
        [{**point, "signal_yield": point["signal_yield"] / k} for point in result.scan]
        if result.scan is not None
        else None
    )
    result = dataclasses.replace(
        result,
        signal_yield=result.signal_yield / k,
        signal_yield_err=result.signal_yield_err / k,
        background_yield=result.background_yield / k,
        background_yield_err=result.background_yield_err / k,
        parameters=parameters,
        scan=scan,
    )
    spectrum = curves.spectrum
    assert spectrum.sumw2 is not None
    curves = FitCurves(
        spectrum=dataclasses.replace(spectrum, counts=spectrum.counts / k, sumw2=spectrum.sumw2 / k**2),
        expected=curves.expected / k,
        grid=curves.grid,
        total=curves.total / k,
        background=curves.background / k,
        background_only=curves.background_only / k,
    )
    return result, curves
