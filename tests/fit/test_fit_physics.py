"""Fits of toy spectra with known truth: mass and yield, background-only significance, Asimov significance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fit_toys import exponential_fractions, toy_file, write_histograms
from higgshunt.fit import FitOptions, fit_histogram, run_fit

TRUE_MASS, TRUE_SIGNAL, TRUE_SIGMA = 125.0, 150.0, 2.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_injected_bump_is_found_within_uncertainties(tmp_path, seed: int) -> None:
    path = toy_file(tmp_path / "toy.root", seed)
    result, _ = fit_histogram(FitOptions(hist=f"{path}:mass", mass_range=(100.0, 160.0)))
    assert result.status == 0 and result.covariance_quality == 3
    assert abs(result.mass - TRUE_MASS) < 3 * result.mass_err
    assert abs(result.signal_yield - TRUE_SIGNAL) < 3 * result.signal_yield_err
    assert abs(result.width - TRUE_SIGMA) < 3 * result.width_err
    assert abs(result.background_yield - 2000.0) < 3 * result.background_yield_err
    assert 0.5 < result.chi2_ndf < 2.0
    z = result.significance_local
    assert 5.0 < z["mass_floating"] < 12.0  # about 150 / sqrt(b within +-2 sigma, ~250) ~ 7-9 expected
    assert z["mass_fixed"] == pytest.approx(z["mass_floating"], abs=0.05)  # fixed at the fitted mass
    assert result.significance_postfit_asimov == pytest.approx(z["mass_floating"], rel=0.1)


@pytest.mark.slow
def test_background_only_toys_give_small_significance(tmp_path) -> None:
    """Twelve toys without signal. At the fixed mass Z is a half-normal variable (P(Z > 3) = 0.1%); the
    floating mass looks in a window of +-3 widths, so it can only find more (seed 12 holds a genuine 3.7 sigma
    upward fluctuation near 120 GeV: 246 events where 194 are expected in 118-123 GeV)."""
    local, fixed = [], []
    for seed in range(10, 22):
        path = toy_file(tmp_path / f"bkg{seed}.root", seed, n_signal=0.0)
        result, _ = fit_histogram(
            FitOptions(
                hist=f"{path}:mass", mass_range=(100.0, 160.0), signal_mass=TRUE_MASS, width=TRUE_SIGMA
            )
        )
        local.append(result.significance_local["mass_floating"])
        fixed.append(result.significance_local["mass_fixed"])
    assert max(fixed) < 3.0
    assert np.mean(fixed) < 1.0  # E[Z] of a half-normal mixture with 50% at 0 is 0.4
    assert sum(z > 3.0 for z in local) <= 1
    assert all(f <= lo + 1e-3 for f, lo in zip(fixed, local, strict=True))  # floating can only do better


def test_asimov_significance_matches_counting_in_a_narrow_window(tmp_path) -> None:
    """A peak much narrower than a bin sits in one bin: the shape fit becomes a counting experiment in that
    bin with the background known from the sidebands, Z = sqrt(2((s + b) ln(1 + s / b) - s))."""
    edges = np.linspace(100.0, 220.0, 61)  # 2 GeV bins
    mass = 125.0  # a bin centre
    slope = -0.02
    expected = 4000.0 * exponential_fractions(edges, slope)
    peak_bin = int(np.searchsorted(edges, mass)) - 1
    expected[peak_bin] += 60.0
    path = write_histograms(tmp_path / "narrow.root", {"mass": (edges, np.round(expected))})
    result, _ = fit_histogram(
        FitOptions(hist=f"{path}:mass", mass_range=(100.0, 220.0), signal_mass=mass, width=0.1)
    )
    s = result.signal_yield
    fitted_slope = result.parameters["bkg_slope"]["value"]
    b = result.background_yield * exponential_fractions(edges, fitted_slope)[peak_bin]
    counting = np.sqrt(2 * ((s + b) * np.log(1 + s / b) - s))
    assert s == pytest.approx(60.0, abs=3.0)
    assert result.significance_postfit_asimov == pytest.approx(counting, rel=0.03)
    # Profiling the background costs a little, never gains.
    assert result.significance_postfit_asimov <= counting * 1.001


@pytest.mark.slow
def test_signal_shape_from_simulation_fixes_the_width(tmp_path) -> None:
    edges = np.linspace(100.0, 160.0, 61)
    from fit_toys import expected_counts

    rng = np.random.default_rng(5)
    data = rng.poisson(expected_counts(edges, n_background=2000, slope=-0.03, n_signal=150, sigma=1.6))
    simulation = expected_counts(edges, n_background=0.0, slope=-0.03, n_signal=5000.0, mass=124.8, sigma=1.6)
    path = write_histograms(tmp_path / "h.root", {"data": (edges, data), "sim/signal": (edges, simulation)})
    result = run_fit(
        FitOptions(
            hist=f"{path}:data",
            mass_range=(100.0, 160.0),
            signal="dscb",
            background="exp",
            signal_shape=f"{path}:sim/signal",
        ),
        tmp_path / "out",
    )
    # A Gaussian simulation: the Crystal Ball core takes its width (tails pushed away).
    assert result.width == pytest.approx(1.6, rel=0.03)
    assert result.parameters["width"]["constant"]
    assert abs(result.mass - 125.0) < 3 * result.mass_err
    document = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert document["inputs"]["signal_shape"].endswith("sim/signal")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signal", "background"), [("dscb", "exp"), ("gauss", "exppoly2"), ("gauss", "bern4")]
)
def test_every_shape_fits_a_bump(tmp_path, signal: str, background: str) -> None:
    path = toy_file(tmp_path / "toy.root", 7)
    result, _ = fit_histogram(
        FitOptions(
            hist=f"{path}:mass",
            mass_range=(100.0, 160.0),
            signal=signal,
            background=background,
            signal_mass=125.0,
        )
    )
    assert result.status == 0
    assert abs(result.mass - TRUE_MASS) < 3 * result.mass_err
    assert abs(result.signal_yield - TRUE_SIGNAL) < 3 * result.signal_yield_err + 20  # shapes differ a little
    assert 0.5 < result.chi2_ndf < 2.0


@pytest.mark.parametrize("background", ["exp", "exppoly2"])
def test_excess_near_the_edge_without_a_signal_mass(tmp_path: Path, background: str) -> None:
    """The largest excess sits far from the middle of the range, so the mass window found for it excludes
    the range's centre (where the background-only fit leaves the mass): the fit must still run."""
    path = toy_file(tmp_path / "edge.root", seed=5, mass=108.0, n_signal=400.0)
    result, _ = fit_histogram(
        FitOptions(hist=f"{path}:mass", mass_range=(100.0, 160.0), background=background)
    )
    assert abs(result.mass - 108.0) < 1.5
