"""Toy mass spectra for the fit tests: an exponential background with an optional Gaussian bump, bin contents
drawn from Poisson distributions of the exact bin integrals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats


def exponential_fractions(edges: np.ndarray, slope: float) -> np.ndarray:
    """Fraction of an exponential density exp(slope * x) on [edges[0], edges[-1]] in each bin."""
    cumulative = np.exp(slope * (edges - edges[0]))
    return np.diff(cumulative) / (cumulative[-1] - cumulative[0])


def expected_counts(
    edges: np.ndarray,
    *,
    n_background: float,
    slope: float,
    n_signal: float = 0.0,
    mass: float = 125.0,
    sigma: float = 2.0,
) -> np.ndarray:
    signal = np.diff(stats.norm.cdf(edges, mass, sigma))
    return n_background * exponential_fractions(edges, slope) + n_signal * signal


def write_histograms(
    path: Path, histograms: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "m [GeV]"
) -> Path:
    """Write TH1Ds {name: (edges, contents)} to a ROOT file."""
    import ROOT

    handle = ROOT.TFile(str(path), "RECREATE")
    for name, (edges, contents) in histograms.items():
        directory = handle
        if "/" in name:
            folder, name = name.rsplit("/", 1)
            directory = handle.GetDirectory(folder) or handle.mkdir(folder)
        directory.cd()
        hist = ROOT.TH1D(name, "", len(contents), np.asarray(edges, dtype=np.float64))
        hist.GetXaxis().SetTitle(title)
        for i, value in enumerate(contents, start=1):
            hist.SetBinContent(i, float(value))
        hist.Write()
    handle.Close()
    return path


def toy_file(
    path: Path,
    seed: int,
    *,
    n_signal: float = 150.0,
    n_background: float = 2000.0,
    slope: float = -0.03,
    mass: float = 125.0,
    sigma: float = 2.0,
    edges: np.ndarray | None = None,
) -> Path:
    edges = np.linspace(100.0, 160.0, 61) if edges is None else edges
    rng = np.random.default_rng(seed)
    expected = expected_counts(
        edges, n_background=n_background, slope=slope, n_signal=n_signal, mass=mass, sigma=sigma
    )
    return write_histograms(path, {"mass": (edges, rng.poisson(expected).astype(float))})


def gauss_exp_model(counts: np.ndarray, edges: np.ndarray, width: float, mass: float = 125.0) -> Any:
    """The fit's Gaussian + exponential model of `counts` (binned as `edges`), width fixed at `width`."""
    from higgshunt.fit import likelihood as lk
    from higgshunt.fit.models import build
    from higgshunt.fit.spectrum import Spectrum

    spectrum = Spectrum("toy", edges, counts.astype(float), "m")
    with lk.quiet_roofit():
        model = build(
            spectrum,
            "gauss",
            "exp",
            mass=mass,
            mass_window=(edges[0], edges[-1]),
            width=width,
            width_range=(0.5 * width, 2 * width),
        )
    model.width.setConstant(True)
    return model
