"""Fits that used to crash, and the quality gates that flag fits whose significance must not be quoted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fit_toys import exponential_fractions, write_histograms
from higgshunt.fit import FitOptions, fit_histogram
from higgshunt.fit.goodness import baker_cousins_chi2
from scipy import stats

EDGES = np.linspace(105.0, 160.0, 31)  # 30 bins of 1.83 GeV, as the public 13 TeV diphoton spectrum


def _bump(mass: float, n: float) -> np.ndarray:
    return n * np.diff(stats.norm.cdf(EDGES, mass, 1.7))


@pytest.fixture(scope="module")
def spectra(tmp_path_factory):
    rng = np.random.default_rng(3)
    smooth = 20000.0 * exponential_fractions(EDGES, -0.03)
    two_bumps = rng.poisson(smooth + _bump(125.0, 300.0) + _bump(144.0, 280.0)).astype(float)
    spike = rng.poisson(smooth).astype(float)
    spike[[5, 24]] += 2000.0  # two one-bin spikes: one signal fits at most one, the chi2 is terrible
    path = tmp_path_factory.mktemp("quality") / "hists.root"
    return write_histograms(path, {"two_bumps": (EDGES, two_bumps), "spike": (EDGES, spike)})


@pytest.mark.parametrize("background", ["exppoly2", "exp"])
def test_two_bumps_without_signal_mass_fit_one_of_them(spectra, background):
    options = FitOptions(
        hist=f"{spectra}:two_bumps", mass_range=(105.0, 160.0), signal="gauss", background=background
    )
    result, _ = fit_histogram(options)
    assert min(abs(result.mass - 125.0), abs(result.mass - 144.0)) < 1.5
    assert result.significance_local["mass_floating"] > 3.0
    assert result.mass_range == (105.0, 160.0)


def test_mass_range_snapped_to_bin_edges_is_recorded(spectra):
    options = FitOptions(
        hist=f"{spectra}:two_bumps",
        mass_range=(106.0, 159.0),
        signal="gauss",
        background="exp",
        signal_mass=125.0,
    )
    result, _ = fit_histogram(options)
    assert result.mass_range == pytest.approx((EDGES[1], EDGES[-2]))


def test_spike_fails_the_quality_gates(spectra):
    options = FitOptions(
        hist=f"{spectra}:spike", mass_range=(105.0, 160.0), signal="gauss", background="exppoly2"
    )
    result, _ = fit_histogram(options)
    assert not result.quality["ok"]
    assert any("chi2/ndf" in problem for problem in result.quality["problems"]), result.quality


def test_clean_bump_passes_the_quality_gates(spectra):
    options = FitOptions(
        hist=f"{spectra}:two_bumps",
        mass_range=(115.0, 135.0),
        signal="gauss",
        background="exp",
        signal_mass=125.0,
    )
    result, _ = fit_histogram(options)
    assert result.quality == {"ok": True, "problems": [], "notes": []}, result.quality


def test_bernstein_coefficient_at_zero_passes_the_gates(tmp_path):
    """A background vanishing at the low edge of the range, (x - lo)^2-like: its lowest Bernstein coefficients
    are 0, a legitimate shape on the parameter's physical boundary, not a failed fit."""
    t = 0.5 * (EDGES[1:] + EDGES[:-1] - 2 * EDGES[0]) / (EDGES[-1] - EDGES[0])
    expected = 40000.0 * t**3 / np.sum(t**3) + _bump(125.0, 400.0)  # B_{4,3} + B_{4,4}-like: b0 = b1 = 0
    path = write_histograms(tmp_path / "rising.root", {"rising": (EDGES, np.round(expected))})
    options = FitOptions(
        hist=f"{path}:rising", mass_range=(105.0, 160.0), background="bern4", signal_mass=125.0, width=1.7
    )
    result, _ = fit_histogram(options)
    assert result.parameters["bkg_b0"]["value"] < 0.1  # at its lower bound
    assert result.quality["ok"], result.quality


def test_mass_at_the_edge_of_its_window_fails_the_gates(spectra):
    """The peak at 144 GeV lies outside the window 125 +- 3 GeV: the fitted mass runs to the window's edge."""
    options = FitOptions(
        hist=f"{spectra}:two_bumps",
        mass_range=(130.0, 160.0),
        background="exp",
        signal_mass=138.0,
        mass_window=3.0,
        width=1.7,
    )
    result, _ = fit_histogram(options)
    assert any(problem.startswith("parameter mass") for problem in result.quality["problems"]), result.quality


def test_mass_at_the_edge_without_a_signal_is_a_note_not_a_failure(tmp_path):
    """Background-only data (seed 6 of an exponential): the fitted signal is compatible with none, the mass
    wanders to the window's edge; the fixed-mass result stands, so the gates pass and a note says why."""
    counts = np.random.default_rng(6).poisson(20000.0 * exponential_fractions(EDGES, -0.03)).astype(float)
    path = write_histograms(tmp_path / "background.root", {"b": (EDGES, counts)})
    options = FitOptions(
        hist=f"{path}:b",
        mass_range=(105.0, 160.0),
        background="exp",
        signal_mass=125.0,
        mass_window=3.0,
        width=1.7,
    )
    result, _ = fit_histogram(options)
    assert result.mass == pytest.approx(128.0, abs=1e-3)  # at the window's edge
    assert abs(result.signal_yield) < 2 * result.signal_yield_err
    assert result.quality["ok"], result.quality
    assert result.quality["notes"] and "compatible with none" in result.quality["notes"][0]


def test_the_gate_chi2_is_baker_cousins() -> None:
    """2 sum(nu - n + n ln(n / nu)) by hand, equal to scipy's G-test where the totals agree; Pearson beside
    it. Bins expecting nothing are left out; a bin with n = 0 adds 2 nu."""
    observed, expected = np.array([0.0, 1.0, 4.0, 3.0]), np.array([0.5, 0.1, 5.0, 0.0])
    baker_cousins, pearson, ndf = baker_cousins_chi2(observed, expected, n_free=1)
    by_hand = 2 * (0.5 + (0.1 - 1 + math.log(10.0)) + (5 - 4 + 4 * math.log(0.8)))
    assert baker_cousins == pytest.approx(by_hand)
    assert pearson == pytest.approx(0.5 + 0.81 / 0.1 + 0.2)
    assert ndf == 2
    n, nu = np.array([1.0, 2.0, 7.0]), np.array([2.5, 3.0, 4.5])  # same total
    g_test = stats.power_divergence(n, nu, lambda_="log-likelihood").statistic
    assert baker_cousins_chi2(n, nu, 0)[0] == pytest.approx(g_test)


def test_no_event_under_the_hypothesis_gives_q0_zero_not_a_failure(tmp_path) -> None:
    """Sparse data with no event within 2.5 widths of the hypothesis (a background-only pseudo-data set of the
    H -> 4l demo): the fixed-mass signal goes so negative that the expectation vanishes and MINUIT fails from
    both starts; the fit bounds it at 0 instead of failing, and q0 is 0."""
    edges = np.linspace(102.5, 170.0, 19)
    counts = np.zeros(18)
    counts[[8, 9, 13, 16]] = [1.0, 3.0, 3.0, 2.0]  # 9 events, none below 132.5 GeV
    path = write_histograms(tmp_path / "sparse.root", {"b": (edges, counts)})
    options = FitOptions(
        hist=f"{path}:b", mass_range=(102.5, 170.0), background="exp", signal_mass=124.1, width=3.214
    )
    result, _ = fit_histogram(options)
    assert result.significance_local["q0_mass_fixed"] == 0.0
    assert "signal+background (mass fixed, signal >= 0)" in result.fits
