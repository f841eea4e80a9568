"""The chi2 gate's p-value from refitted toys (fit/goodness.py): it reproduces the chi2 distribution where
that holds, and replaces it, with a note, where bins expect few events."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fit_toys import expected_counts, write_histograms
from higgshunt.fit import FitOptions, fit_histogram, goodness
from scipy import stats

EDGES = np.linspace(105.0, 160.0, 23)
TOY_NOTE = re.compile(r"chi2 p-value from (\d+) refitted toys: ([0-9.e-]+) \+- ([0-9.e-]+)")


def _fit(path, name):
    options = FitOptions(
        hist=f"{path}:{name}",
        mass_range=(105.0, 160.0),
        signal="gauss",
        background="exp",
        signal_mass=125.0,
        seed=5,
    )
    result, _ = fit_histogram(options)
    return result


def _toy_note(result) -> tuple[int, float, float]:
    notes = [m for m in map(TOY_NOTE.search, result.quality.get("notes", [])) if m]
    assert len(notes) == 1, result.quality
    n, value, error = notes[0].groups()
    return int(n), float(value), float(error)


@pytest.fixture(scope="module")
def spectra(tmp_path_factory):
    rng = np.random.default_rng(17)
    many = expected_counts(EDGES, n_background=40000.0, slope=-0.03, n_signal=800.0)
    few = expected_counts(EDGES, n_background=30.0, slope=-0.03, n_signal=25.0)
    sparse = rng.poisson(few).astype(float)
    sparse[20] += 7.0  # an outlier bin: the asymptotic p-value falls below the gate
    path = tmp_path_factory.mktemp("goodness") / "hists.root"
    return write_histograms(
        path, {"many": (EDGES, rng.poisson(many).astype(float)), "sparse": (EDGES, sparse)}
    )


@pytest.mark.slow
def test_toys_reproduce_the_chi2_distribution_where_it_holds(spectra, monkeypatch):
    # every bin expects hundreds of events: force the toys and compare with the asymptotic p-value
    monkeypatch.setattr(goodness, "CHI2_P_MIN", 1.1)
    monkeypatch.setattr(goodness, "LOW_COUNT", 1e12)
    monkeypatch.setattr(goodness, "N_TOYS", 150)
    result = _fit(spectra, "many")
    n, value, error = _toy_note(result)
    asymptotic = float(stats.chi2.sf(result.chi2, result.ndf))
    assert n >= 140  # nearly every toy refits
    assert abs(value - asymptotic) < 3.0 * error + 0.02, (value, asymptotic)


def test_sparse_spectrum_gate_uses_refitted_toys(spectra):
    result = _fit(spectra, "sparse")
    asymptotic = float(stats.chi2.sf(result.chi2, result.ndf))
    assert asymptotic < goodness.CHI2_P_MIN  # the asymptotic gate alone would fail this fit
    n, value, error = _toy_note(result)
    assert n == goodness.N_TOYS
    assert 0.0 < value <= 1.0 and error > 0.0
    failed = any("chi2" in problem for problem in result.quality["problems"])
    assert failed == (value < goodness.CHI2_P_MIN)
    if failed:
        assert "refitted toys" in next(p for p in result.quality["problems"] if "chi2" in p)


def test_a_good_fit_runs_no_toys(spectra):
    result = _fit(spectra, "many")
    assert stats.chi2.sf(result.chi2, result.ndf) >= goodness.CHI2_P_MIN
    assert not [n for n in result.quality.get("notes", []) if "toys" in n]
