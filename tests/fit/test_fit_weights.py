"""Weighted histograms are fitted as effective events, not as Poisson counts of their sums of weights.

Reference (hand computation): a histogram of n_i events of weight w is w * n_i with Sumw2 w^2 * n_i; its
fitted yields must be w times those of the unweighted counts n_i and so must their errors (the Poisson
treatment of the sums of weights would give sqrt(w) times the errors). Toys check the reported error against
the actual spread of the fitted yield over weighted histograms with mixed weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fit_toys import expected_counts, write_histograms
from higgshunt.fit import FitOptions, fit_histogram

EDGES = np.linspace(100.0, 160.0, 31)


def _weighted_file(path: Path, name: str, contents: np.ndarray, sumw2: np.ndarray) -> Path:
    import ROOT

    handle = ROOT.TFile(str(path), "UPDATE" if path.exists() else "RECREATE")
    hist = ROOT.TH1D(name, "", len(contents), EDGES)
    hist.Sumw2(True)
    for i, (value, squares) in enumerate(zip(contents, sumw2, strict=True), start=1):
        hist.SetBinContent(i, float(value))
        hist.SetBinError(i, float(np.sqrt(squares)))
    hist.Write()
    handle.Close()
    return path


def _fit(spec: str):
    return fit_histogram(FitOptions(hist=spec, mass_range=(100.0, 160.0), signal_mass=125.0, width=2.0))[0]


def test_uniform_weights_scale_yields_and_errors_by_the_weight(tmp_path: Path) -> None:
    counts = np.random.default_rng(5).poisson(
        expected_counts(EDGES, n_background=2000, slope=-0.03, n_signal=150)
    )
    weight = 4.0
    write_histograms(tmp_path / "unweighted.root", {"mass": (EDGES, counts.astype(float))})
    _weighted_file(tmp_path / "weighted.root", "mass", weight * counts, weight**2 * counts)
    plain, weighted = _fit(f"{tmp_path}/unweighted.root:mass"), _fit(f"{tmp_path}/weighted.root:mass")
    assert plain.counts["treatment"] == "poisson"
    assert weighted.counts["treatment"] == "effective_events"
    assert weighted.counts["scale"] == pytest.approx(1 / weight)
    assert weighted.signal_yield == pytest.approx(weight * plain.signal_yield, rel=1e-3)
    assert weighted.signal_yield_err == pytest.approx(weight * plain.signal_yield_err, rel=1e-3)
    assert weighted.background_yield_err == pytest.approx(weight * plain.background_yield_err, rel=1e-3)
    # not the Poisson error of the sums of weights, sqrt(weight) times the unweighted one
    assert weighted.signal_yield_err > 1.5 * np.sqrt(weight) * plain.signal_yield_err
    assert weighted.parameters["n_signal"]["value"] == pytest.approx(weighted.signal_yield)
    # the significance is that of the effective events, i.e. of the unweighted sample
    assert weighted.significance_local["mass_fixed"] == pytest.approx(
        plain.significance_local["mass_fixed"], rel=1e-3
    )


@pytest.mark.slow
def test_the_error_of_a_weighted_yield_matches_its_spread_over_toys(tmp_path: Path) -> None:
    """Events of weights 1 and 5 (a mixture); 60 toys: the spread of the fitted signal yield matches the mean
    reported error within the toys' statistical precision (about 10%), unlike the Poisson treatment."""
    rng = np.random.default_rng(11)
    light = expected_counts(EDGES, n_background=3000, slope=-0.03, n_signal=200)
    heavy = expected_counts(EDGES, n_background=600, slope=-0.03, n_signal=40)
    yields, errors = [], []
    path = tmp_path / "toys.root"
    for toy in range(60):
        n_light, n_heavy = rng.poisson(light), rng.poisson(heavy)
        _weighted_file(path, f"toy{toy}", n_light + 5.0 * n_heavy, n_light + 25.0 * n_heavy)
        result = _fit(f"{path}:toy{toy}")
        yields.append(result.signal_yield)
        errors.append(result.signal_yield_err)
    spread, reported = float(np.std(yields, ddof=1)), float(np.mean(errors))
    assert spread == pytest.approx(reported, rel=0.25)
    assert abs(np.mean(yields) - 400.0) < 3 * spread / np.sqrt(len(yields))
