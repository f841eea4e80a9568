"""Histogram-level pseudo-data: Poisson draws from the smooth simulated prediction, never simulated (or data)
events, labelled as pseudo-data with the signal injected, with a background-only set beside them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import uproot
from higgshunt.bumphunt import pseudo_data
from higgshunt.fit import Spectrum, smooth_background
from scipy import stats

EDGES = np.linspace(100.0, 220.0, 61)


def _hist(name: str, counts: np.ndarray) -> Any:
    import ROOT

    hist = ROOT.TH1D(name, "", len(counts), EDGES)
    hist.SetDirectory(ROOT.nullptr)
    for i, value in enumerate(counts, start=1):
        hist.SetBinContent(i, float(value))
    return hist


def _spiky_template(seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(truth, template): an exponential background simulated with events weighing 40 each."""
    truth = 6000.0 * np.diff(np.exp(-0.02 * (EDGES - 100.0))) / (np.exp(-2.4) - 1.0)
    return truth, 40.0 * np.random.default_rng(seed).poisson(truth / 40.0)


def test_poisson_draws_have_the_mean_and_variance_of_the_prediction() -> None:
    mean = np.array([0.5, 3.0, 20.0, 150.0])
    draws = np.array([pseudo_data.poisson(mean, 3, f"toy{i}") for i in range(4000)])
    assert np.all(draws == np.round(draws)) and np.all(draws >= 0)
    # sample mean within 4 standard errors; variance / mean within the spread of a sample variance
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * np.sqrt(mean / len(draws)))
    ratio = draws.var(axis=0, ddof=1) / mean
    assert np.all(np.abs(ratio - 1.0) < 4 * np.sqrt(2.0 / len(draws)) * np.sqrt(1 + 1 / (2 * mean)))


def test_draws_are_seeded_per_stream() -> None:
    mean = np.full(10, 50.0)
    assert np.array_equal(pseudo_data.poisson(mean, 1, "ml/data"), pseudo_data.poisson(mean, 1, "ml/data"))
    assert not np.array_equal(
        pseudo_data.poisson(mean, 1, "ml/data"), pseudo_data.poisson(mean, 1, "cb/data")
    )
    assert not np.array_equal(
        pseudo_data.poisson(mean, 1, "ml/data"), pseudo_data.poisson(mean, 2, "ml/data")
    )


def test_the_mean_is_smooth_inside_the_fit_range_and_simulated_outside() -> None:
    truth, template = _spiky_template()
    config = SimpleNamespace(fit=SimpleNamespace(range=(110.0, 220.0)), mass_title="m [GeV]")
    mean, smooth = pseudo_data.background_mean(config, "cat", _hist("b", template), "exp")  # type: ignore[arg-type]
    assert smooth
    inside = EDGES[:-1] >= 110.0
    np.testing.assert_array_equal(mean[~inside], template[~inside])
    reference = smooth_background(Spectrum("b", EDGES[5:], template[inside], "m"), "exp")
    np.testing.assert_allclose(mean[inside], reference, rtol=1e-9)
    # the spikes are gone: the mean follows the truth far better than the weighted template does
    assert np.abs(mean - truth)[inside].mean() < 0.3 * np.abs(template - truth)[inside].mean()
    # draws from it scatter around the smooth mean as Poisson counts (chi2 p-value not tiny); around the
    # spiky template they would not
    counts = pseudo_data.poisson(mean, 9, "cat/data")[inside]
    chi2_smooth = float(np.sum((counts - mean[inside]) ** 2 / mean[inside]))
    assert stats.chi2.sf(chi2_smooth, inside.sum() - 2) > 1e-3


@pytest.mark.slow
def test_run_draws_labelled_pseudo_data_without_reading_any_data_event(
    make_config: Any, tmp_path: Path
) -> None:
    """The data files do not matter (none is read): two runs with different data files give the same
    pseudo-data; the histograms are integer counts, labelled, with a background-only set fitted too."""
    from higgshunt import bumphunt

    results = [
        bumphunt.run(
            bumphunt.load(make_config(tmp_path / name, data=(data,), pseudo_data={"seed": 5})),
            plots=False,
            progress=False,
        )
        for name, data in (("a", "data.root"), ("b", "other_data.root"))
    ]
    summary = results[0].summary
    assert summary["data_kind"] == "pseudo_data_injected"
    assert summary["pseudo_data"]["seed"] == 5 and "Poisson" in summary["pseudo_data"]["method"]
    with uproot.open(results[0].root_file) as first, uproot.open(results[1].root_file) as second:
        assert first["data_kind"].member("fTitle") == "pseudo_data_injected"
        for category in summary["categories"]:
            for name in ("data", pseudo_data.BACKGROUND_ONLY):
                values = first[f"{category}/{name}"].values()
                np.testing.assert_array_equal(values, second[f"{category}/{name}"].values())
                assert np.all(values == np.round(values))
            assert first[f"{category}/data"].member("fTitle") == pseudo_data.INJECTED_TITLE
            assert "fit_background_only" in summary["categories"][category]
    assert summary["categories"]["cutbased"]["fit"]["z_expected"] > 0
    assert "Z exp fit" in bumphunt.format_table(summary)
