"""RooFit models of a mass spectrum: a signal peak on a smooth background, as an extended sum.

Signals: `gauss` (RooGaussian) and `dscb` (RooCrystalBall, double-sided, one width). Backgrounds: `exp`
(RooExponential), `exppoly2` (exp of a 2nd-order polynomial in t = (x - centre) / half-range, which keeps the
coefficients of order one) and `bern4` (RooBernstein of degree 4, coefficients >= 0; the one at
the denser end of the range fixed to 1, since the yield carries the normalisation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from higgshunt.fit.spectrum import Spectrum

log = logging.getLogger(__name__)

SIGNALS = ("gauss", "dscb")
BACKGROUNDS = ("exp", "exppoly2", "bern4")
# Crystal Ball tails when no simulation fixes them: a typical H->ZZ*->4l / H->yy resolution shape.
DEFAULT_TAIL_ALPHA = 1.5
DEFAULT_TAIL_N = 5.0


@dataclass
class SpectrumModel:
    """The RooFit objects of one fit. RooFit objects are referenced here so that Python keeps them alive.

    Attributes:
        x: the observable, with the spectrum's binning.
        edges: the bin edges.
        data: the spectrum as a RooDataHist.
        signal, background, model: the pdfs; `model` = n_signal * signal + n_background * background.
        mass, width: the peak position and the core resolution.
        tails: the Crystal Ball tail parameters (empty for a Gaussian).
        background_parameters: the background shape parameters.
        n_signal, n_background: the yields.
        nonnegative: parameters whose lower bound 0 is a physical boundary, not a technical limit (the
            Bernstein coefficients: a coefficient at 0 lets the background vanish at an edge of the range).
    """

    x: Any
    edges: np.ndarray
    data: Any
    signal: Any
    background: Any
    model: Any
    mass: Any
    width: Any
    tails: list[Any]
    background_parameters: list[Any]
    n_signal: Any
    n_background: Any
    keep: list[Any] = field(default_factory=list)
    nonnegative: list[Any] = field(default_factory=list)

    def parameters(self) -> list[Any]:
        """Every parameter of the model (floating or not)."""
        return [
            self.mass,
            self.width,
            *self.tails,
            *self.background_parameters,
            self.n_signal,
            self.n_background,
        ]


def binned_data(edges: np.ndarray, counts: np.ndarray, x: Any, name: str) -> tuple[Any, Any]:
    """(RooDataHist, TH1D) of bin contents over the observable x (keep both referenced while fitting)."""
    import ROOT

    hist = ROOT.TH1D(f"{name}_th1", "", len(counts), np.asarray(edges, dtype=np.float64))
    hist.SetDirectory(ROOT.nullptr)
    for i, value in enumerate(counts, start=1):
        hist.SetBinContent(i, float(value))
    return ROOT.RooDataHist(name, name, ROOT.RooArgList(x), hist), hist


def observable(spectrum: Spectrum) -> tuple[Any, Any]:
    """The mass observable over the spectrum's range, with its (possibly non-uniform) binning."""
    import ROOT

    lo, hi = float(spectrum.edges[0]), float(spectrum.edges[-1])
    x = ROOT.RooRealVar("mass_obs", spectrum.title or "mass", lo, hi)
    binning = ROOT.RooBinning(len(spectrum.counts), np.asarray(spectrum.edges, dtype=np.float64))
    x.setBinning(binning)
    return x, binning


def _signal(kind: str, x: Any, mass: Any, width: Any) -> tuple[Any, list[Any]]:
    import ROOT

    if kind == "gauss":
        return ROOT.RooGaussian("signal", "signal", x, mass, width), []
    tails = [
        ROOT.RooRealVar(name, name, value, lo, hi)
        for name, value, lo, hi in (
            ("alpha_low", DEFAULT_TAIL_ALPHA, 0.1, 10.0),
            ("n_low", DEFAULT_TAIL_N, 1.01, 100.0),
            ("alpha_high", DEFAULT_TAIL_ALPHA, 0.1, 10.0),
            ("n_high", DEFAULT_TAIL_N, 1.01, 100.0),
        )
    ]
    for tail in tails:  # data alone rarely constrain the tails: taken from simulation when there is one
        tail.setConstant(True)
    return ROOT.RooCrystalBall("signal", "signal", x, mass, width, *tails), tails


def _background(kind: str, x: Any, spectrum: Spectrum) -> tuple[Any, list[Any]]:
    import ROOT

    lo, hi = float(spectrum.edges[0]), float(spectrum.edges[-1])
    if kind == "exp":
        slope = _start_slope(spectrum)
        bound = 50.0 / (hi - lo)
        c = ROOT.RooRealVar(
            "bkg_slope", "bkg_slope", float(np.clip(slope, -0.9 * bound, 0.9 * bound)), -bound, bound
        )
        return ROOT.RooExponential("background", "background", x, c), [c]
    if kind == "exppoly2":
        p1 = ROOT.RooRealVar(
            "bkg_p1", "bkg_p1", float(np.clip(_start_slope(spectrum) * (hi - lo) / 2, -15, 15)), -20.0, 20.0
        )
        p2 = ROOT.RooRealVar("bkg_p2", "bkg_p2", 0.0, -20.0, 20.0)
        centre, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        t = f"((@0 - {centre!r}) / {half!r})"
        pdf = ROOT.RooGenericPdf(
            "background", "background", f"exp(@1 * {t} + @2 * {t} * {t})", ROOT.RooArgList(x, p1, p2)
        )
        return pdf, [p1, p2]
    if kind == "bern4":
        coefficients = [ROOT.RooRealVar(f"bkg_b{i}", f"bkg_b{i}", 1.0, 0.0, 100.0) for i in range(5)]
        # The yield carries the normalisation, so one coefficient is fixed to 1: the one at the denser end,
        # so the others stay of order one (fixed at a nearly empty end they would run to their upper bound).
        coefficients[-1 if _start_slope(spectrum) > 0 else 0].setConstant(True)
        return ROOT.RooBernstein("background", "background", x, ROOT.RooArgList(*coefficients)), coefficients
    raise ValueError(f"unknown background {kind!r}")


def _start_slope(spectrum: Spectrum) -> float:
    """Exponential slope through the mean densities of the first and last thirds of the range."""
    n = len(spectrum.counts)
    thirds = [slice(0, max(n // 3, 1)), slice(n - max(n // 3, 1), n)]
    density = [spectrum.counts[s].sum() / spectrum.widths[s].sum() for s in thirds]
    distance = spectrum.centers[thirds[1]].mean() - spectrum.centers[thirds[0]].mean()
    if min(density) <= 0 or distance <= 0:
        return 0.0
    return float(np.log(density[1] / density[0]) / distance)


def build(
    spectrum: Spectrum,
    signal: str,
    background: str,
    *,
    mass: float,
    mass_window: tuple[float, float],
    width: float,
    width_range: tuple[float, float],
) -> SpectrumModel:
    """The extended signal + background model of `spectrum` with the peak at `mass` (allowed in `mass_window`)
    and the resolution `width` (allowed in `width_range`)."""
    import ROOT

    if signal not in SIGNALS:
        raise ValueError(f"unknown signal {signal!r}")
    x, binning = observable(spectrum)
    data, hist = binned_data(spectrum.edges, spectrum.counts, x, "data")
    mass_var = ROOT.RooRealVar("mass", "mass", mass, *mass_window)
    width_var = ROOT.RooRealVar("width", "width", width, *width_range)
    signal_pdf, tails = _signal(signal, x, mass_var, width_var)
    background_pdf, background_parameters = _background(background, x, spectrum)
    total = float(spectrum.counts.sum())
    # Deficits are allowed (an unbiased yield), down to 5 standard deviations of the total count.
    n_signal = ROOT.RooRealVar("n_signal", "n_signal", 0.0, -5.0 * np.sqrt(total) - 10.0, 2.0 * total + 10.0)
    n_background = ROOT.RooRealVar("n_background", "n_background", total, 0.0, 2.0 * total + 10.0)
    model = ROOT.RooAddPdf(
        "model", "model", ROOT.RooArgList(signal_pdf, background_pdf), ROOT.RooArgList(n_signal, n_background)
    )
    return SpectrumModel(
        x=x,
        edges=spectrum.edges,
        data=data,
        signal=signal_pdf,
        background=background_pdf,
        model=model,
        mass=mass_var,
        width=width_var,
        tails=tails,
        background_parameters=background_parameters,
        n_signal=n_signal,
        n_background=n_background,
        keep=[binning, hist],
        nonnegative=background_parameters if background == "bern4" else [],
    )


def bin_fractions(pdf: Any, x: Any, edges: np.ndarray, points_per_bin: int = 32) -> np.ndarray:
    """Integral of the normalised pdf over each bin (Simpson's rule on a fine grid)."""
    import ROOT

    grid = np.linspace(0.0, 1.0, points_per_bin + 1)
    normset = ROOT.RooArgSet(x)
    out = np.empty(len(edges) - 1)
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        values = pdf_values(pdf, x, a + (b - a) * grid, normset)
        weights = np.ones(points_per_bin + 1)
        weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
        out[i] = (b - a) / (3.0 * points_per_bin) * float(weights @ values)
    return out


def pdf_values(pdf: Any, x: Any, points: np.ndarray, normset: Any = None) -> np.ndarray:
    """The pdf, normalised over the observable's range, at `points`."""
    import ROOT

    normset = normset if normset is not None else ROOT.RooArgSet(x)
    saved = x.getVal()
    values = np.empty(len(points))
    for i, point in enumerate(points):
        x.setVal(float(point))
        values[i] = pdf.getVal(normset)
    x.setVal(saved)
    return values
