"""What simulation expects, before any data are looked at: the smooth background of a simulated template and
the pre-fit expected (Asimov) significance.

- `smooth_background`: the background function of the fit, fitted (extended, weighted likelihood) to the
  simulated background histogram; its bin integrals are a smooth description of the prediction, free of the
  spikes a few heavy-weight simulated events make.
- `expected_significance`: the fit's own model (signal shape fixed from the simulated signal, mass fixed at
  the hypothesis, background shape and both yields free) fitted with and without signal to the Asimov data
  set of the simulation: simulated signal + smooth background in every bin. Z = sqrt(q0) on that data set is
  the median discovery significance expected if the simulation is right (Cowan, Cranmer, Gross, Vitells,
  Eur. Phys. J. C 71 (2011) 1554). With the background known exactly it is
  sqrt(sum_i 2((s_i + b_i) ln(1 + s_i/b_i) - s_i)); fitting the background shape can only lower it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from higgshunt.errors import FitError
from higgshunt.fit import likelihood as lk
from higgshunt.fit.models import SpectrumModel, binned_data, build
from higgshunt.fit.spectrum import Spectrum

log = logging.getLogger(__name__)

WHAT = (
    "pre-fit: the fit's model on the Asimov data set of the simulation (simulated signal + the background "
    "function fitted to the simulated background), mass fixed at the hypothesis"
)


@dataclass(frozen=True)
class Expected:
    """The pre-fit expected significance of one spectrum.

    Attributes:
        z: sqrt(q0) on the Asimov data set. q0: the test statistic.
        mass, width: the signal hypothesis (mass fixed; width from the simulated signal or given).
        signal, background: expected events in the fit range (simulated signal, smooth background).
    """

    z: float
    q0: float
    mass: float
    width: float
    signal: float
    background: float

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "what": WHAT}


def require_converged(minimum: lk.Minimum) -> lk.Minimum:
    if minimum.status != 0:
        raise FitError(
            f"the {minimum.name} fit did not converge (MINUIT status {minimum.status}, covariance "
            f"quality {minimum.covariance_quality}); try another --background, a narrower "
            "--mass-range or a fixed --width"
        )
    return minimum


def fit_signal_shape(model: SpectrumModel, shape: Spectrum) -> float:
    """Fit the signal pdf to simulation; fix width and tails. Returns the simulated peak position.

    Limited simulation often leaves a Crystal Ball's power-law exponents unconstrained and the fit fails:
    it is then repeated from the same start with the exponents fixed at their defaults (core and tail
    starts still fitted).
    """
    import ROOT

    data, hist = binned_data(shape.edges, shape.counts, model.x, "signal_shape")
    start = lk.snapshot(model)
    for tail in model.tails:
        tail.setConstant(False)
    model.width.setConstant(False)
    nll = model.signal.createNLL(data, ROOT.RooFit.IntegrateBins(lk.INTEGRATION_PRECISION))
    minimum = lk.minimize(nll, "signal-shape")
    if minimum.status != 0 and model.tails:
        lk.restore(model, start)
        model.width.setConstant(False)
        for tail in model.tails:
            tail.setConstant(tail.GetName().startswith("n_"))
        minimum = lk.minimize(nll, "signal-shape (tail exponents fixed)")
    require_converged(minimum)
    del hist
    for parameter in (model.width, *model.tails):
        parameter.setConstant(True)
    log.info(
        "signal shape from %s: mass %.4g, width %.4g", shape.source, model.mass.getVal(), model.width.getVal()
    )
    return float(model.mass.getVal())


def default_width(spectrum: Spectrum, width: float | None = None) -> tuple[float, tuple[float, float]]:
    """Starting width (the one given, else 2 typical bins) and its allowed range: from a tenth of a bin (a
    one-bin spike sits on the lower limit, which the quality gates flag) to a quarter of the fit range."""
    bin_width = float(np.median(spectrum.widths))
    lo, hi = float(spectrum.edges[0]), float(spectrum.edges[-1])
    start = width if width is not None else 2.0 * bin_width
    return start, (min(0.1 * bin_width, 0.5 * start), max(0.25 * (hi - lo), start))


def _model(spectrum: Spectrum, signal: str, background: str, width: float | None) -> SpectrumModel:
    lo, hi = float(spectrum.edges[0]), float(spectrum.edges[-1])
    start, (low, high) = default_width(spectrum, width)
    model = build(
        spectrum,
        signal,
        background,
        mass=0.5 * (lo + hi),
        mass_window=(lo, hi),
        width=start,
        width_range=(low, high),
    )
    model.mass.setConstant(True)
    model.width.setConstant(width is not None)
    return model


def smooth_background(template: Spectrum, background: str) -> np.ndarray:
    """Expected background events per bin of `template` (a simulated, weighted histogram): the background
    function `background` fitted to it (weighted extended likelihood; the weights' Poisson errors do not
    matter for the central values).

    Raises:
        FitError: the fit does not converge.
    """
    if not np.any(template.counts > 0):
        raise FitError(
            f"{template.source}: no simulated background in [{template.edges[0]}, {template.edges[-1]}]"
        )
    import ROOT

    try:
        with lk.quiet_roofit():
            model = _model(template, "gauss", background, None)
            nll = lk.create_nll(model, model.data)
            require_converged(lk.fit_background_only(model, nll, "smooth background of the simulation"))
            return lk.expected_counts(model, model.background, model.n_background.getVal())
    except ROOT.std.exception as error:  # RooFit's C++ exceptions
        raise FitError(f"{template.source}: RooFit failed fitting {background} ({error})") from error


def expected_significance(
    signal_template: Spectrum,
    background_template: Spectrum,
    *,
    signal: str,
    background: str,
    mass: float | None,
    width: float | None,
) -> Expected:
    """The pre-fit expected significance (module docstring) of the simulated signal on the simulated
    background, both histograms with the same bins. `mass`: the hypothesis (None: the simulated peak);
    `width`: the fixed resolution (None: from the simulated signal).

    Raises:
        FitError: a fit does not converge.
    """
    smooth = smooth_background(background_template, background)
    signal_counts = np.clip(signal_template.counts, 0.0, None)
    asimov = Spectrum(
        source=f"Asimov({signal_template.source} + smooth {background_template.source})",
        edges=background_template.edges,
        counts=signal_counts + smooth,
        title=background_template.title,
    )
    with lk.quiet_roofit():
        model = _model(asimov, signal, background, width)
        peak = None
        if width is None:  # the shape from the simulated signal, its peak floating from the tallest bin
            model.mass.setVal(mass if mass is not None else float(asimov.centers[np.argmax(signal_counts)]))
            model.mass.setConstant(False)
            peak = fit_signal_shape(model, signal_template)
        hypothesis = mass if mass is not None else peak
        if hypothesis is None:
            raise FitError(
                f"{signal_template.source}: an expected significance needs a mass hypothesis or the "
                "simulated signal's shape"
            )
        model.mass.setVal(hypothesis)
        model.mass.setConstant(True)
        nll = lk.create_nll(model, model.data)
        only = require_converged(lk.fit_background_only(model, nll, "Asimov background-only"))
        model.n_signal.setVal(float(signal_counts.sum()))
        both = require_converged(lk.minimize(nll, "Asimov signal+background"))
        q0 = lk.q0(only.nll, both.nll, model.n_signal.getVal())
        result = Expected(
            z=lk.z_from_q0(q0),
            q0=q0,
            mass=float(hypothesis),
            width=float(model.width.getVal()),
            signal=float(signal_counts.sum()),
            background=float(smooth.sum()),
        )
    log.info("expected (pre-fit) Z %.3f at mass %.4g", result.z, result.mass)
    return result
