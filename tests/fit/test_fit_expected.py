"""The pre-fit expected significance from simulated templates, against the Asimov counting formula
Z = sqrt(sum_i 2((s_i + b_i) ln(1 + s_i / b_i) - s_i)), and the smooth background of a weighted template."""

from __future__ import annotations

import numpy as np
import pytest
from fit_toys import exponential_fractions, write_histograms
from higgshunt.errors import FitError
from higgshunt.fit import FitOptions, Spectrum, fit_histogram, smooth_background
from higgshunt.fit.expected import expected_significance
from scipy import optimize, stats

EDGES = np.linspace(100.0, 220.0, 61)  # 2 GeV bins; a long sideband pins the background shape
SLOPE, N_BACKGROUND = -0.02, 4000.0


def _counting(s: np.ndarray, b: np.ndarray) -> float:
    """The hand-computed Asimov significance, summed over bins, with the background known exactly."""
    used = s > 0
    s, b = s[used], b[used]
    return float(np.sqrt(np.sum(2.0 * ((s + b) * np.log1p(s / b) - s))))


def _spectrum(name: str, counts: np.ndarray) -> Spectrum:
    return Spectrum(source=name, edges=EDGES, counts=counts, title="m [GeV]")


def _background() -> np.ndarray:
    return N_BACKGROUND * exponential_fractions(EDGES, SLOPE)


def test_one_bin_signal_matches_counting() -> None:
    """All signal in one bin: a counting experiment there, the background known from the sidebands."""
    b = _background()
    s = np.zeros_like(b)
    s[12] = 60.0  # the bin [124, 126]
    expected = expected_significance(
        _spectrum("s", s), _spectrum("b", b), signal="gauss", background="exp", mass=125.0, width=0.1
    )
    counting = _counting(s, b)
    assert expected.z == pytest.approx(counting, rel=0.02)
    assert expected.z <= counting * 1.001  # profiling the background costs a little, never gains
    assert expected.signal == pytest.approx(60.0) and expected.background == pytest.approx(b.sum(), rel=1e-3)


def _profiled(s: np.ndarray, b: np.ndarray) -> float:
    """Independent reference with the background profiled (normalisation and slope free, as in the fit):
    Z = sqrt(q0) of the binned Poisson likelihood on the Asimov data s + b, minimised with scipy."""
    data = s + b
    shape = s / s.sum()

    def nll(parameters: np.ndarray, signal: float) -> float:
        n_background, slope = parameters
        mean = n_background * exponential_fractions(EDGES, slope) + signal * shape
        return float(np.sum(mean - data * np.log(mean)))

    start = np.array([b.sum(), SLOPE])
    best = optimize.minimize(lambda p: nll(p[:2], p[2]), [*start, s.sum()], method="Nelder-Mead", tol=1e-10)
    only = optimize.minimize(lambda p: nll(p, 0.0), start, method="Nelder-Mead", tol=1e-10)
    return float(np.sqrt(2.0 * (only.fun - best.fun)))


def test_gaussian_signal_over_several_bins_matches_the_profiled_formula() -> None:
    b = _background()
    s = 120.0 * np.diff(stats.norm.cdf(EDGES, 125.0, 2.5))
    expected = expected_significance(
        _spectrum("s", s), _spectrum("b", b), signal="gauss", background="exp", mass=None, width=None
    )
    assert expected.width == pytest.approx(2.5, rel=0.03)  # taken from the simulated signal
    assert expected.mass == pytest.approx(125.0, abs=0.05)  # its peak, without a hypothesis
    assert expected.z == pytest.approx(_profiled(s, b), rel=0.01)
    assert expected.z <= _counting(s, b)  # the background known exactly is the upper bound


def test_smooth_background_of_a_spiky_weighted_template() -> None:
    """A template whose events weigh 25 each (160 simulated events) is spiky; its smooth description follows
    the true shape within the template's own statistical precision."""
    rng = np.random.default_rng(11)
    truth = _background()
    template = 25.0 * rng.poisson(truth / 25.0)
    smooth = smooth_background(_spectrum("template", template), "exp")
    assert smooth.sum() == pytest.approx(template.sum(), rel=1e-3)  # the extended fit keeps the yield
    spread = np.abs(template - truth).mean()
    assert np.abs(smooth - truth).mean() < 0.3 * spread


def test_empty_template_is_a_fit_error() -> None:
    with pytest.raises(FitError, match="no simulated background"):
        smooth_background(_spectrum("empty", np.zeros(len(EDGES) - 1)), "exp")


def test_z_expected_is_computed_before_and_independent_of_the_data(tmp_path) -> None:
    b = _background()
    s = 120.0 * np.diff(stats.norm.cdf(EDGES, 125.0, 2.5))
    rng = np.random.default_rng(2)
    hists = {
        "sim/signal": (EDGES, s),
        "sim/background": (EDGES, b),
        "up": (EDGES, rng.poisson(b + 3 * s).astype(float)),
        "down": (EDGES, rng.poisson(b).astype(float)),
    }
    path = write_histograms(tmp_path / "h.root", hists)
    results = [
        fit_histogram(
            FitOptions(
                hist=f"{path}:{name}",
                mass_range=(100.0, 220.0),
                signal_mass=125.0,
                signal_shape=f"{path}:sim/signal",
                expected_signal=f"{path}:sim/signal",
                expected_background=f"{path}:sim/background",
            )
        )[0]
        for name in ("up", "down")
    ]
    assert results[0].z_expected == results[1].z_expected == pytest.approx(_profiled(s, b), rel=0.01)
    assert results[0].expected is not None and "pre-fit" in results[0].expected["what"]
    assert results[0].significance_local["mass_fixed"] > results[0].z_expected  # three times the signal


def test_without_templates_there_is_no_z_expected(tmp_path) -> None:
    path = write_histograms(tmp_path / "h.root", {"data": (EDGES, np.round(_background()))})
    result, _ = fit_histogram(FitOptions(hist=f"{path}:data", mass_range=(100.0, 220.0), signal_mass=125.0))
    assert result.z_expected is None and result.expected is None
