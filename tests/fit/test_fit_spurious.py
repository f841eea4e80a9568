"""The spurious-signal test flags a too-simple background function and chooses the right one.

The template is the exact bin integrals (a high-statistics, fluctuation-free template) of exp(a t + b t^2),
t = (m - 130) / 30, with strong curvature: the exponential cannot follow it and fakes a signal many times its
uncertainty; exppoly2 is the true shape and fakes none.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fit_toys import write_histograms
from higgshunt.artifacts import spurious_signal
from higgshunt.errors import ConfigError
from higgshunt.fit import spurious_signal_test
from higgshunt.fit.spectrum import Spectrum
from higgshunt.fit.spurious import CRITERION, core_width
from scipy import stats

EDGES = np.linspace(100.0, 160.0, 31)
MASSES = np.arange(108.0, 153.0, 8.0)


def _curved(n_events: float = 20000.0) -> np.ndarray:
    fine = np.linspace(EDGES[0], EDGES[-1], 3001)
    t = (0.5 * (fine[1:] + fine[:-1]) - 130.0) / 30.0
    density = np.exp(-1.5 * t + 0.6 * t * t)
    counts = np.add.reduceat(density, np.arange(0, 3000, 100))
    return n_events * counts / counts.sum()


def _gauss(n_events: float, mass: float = 125.0, sigma: float = 2.0) -> np.ndarray:
    return n_events * np.diff(stats.norm.cdf(EDGES, mass, sigma))


@pytest.mark.slow
def test_a_too_simple_function_is_flagged_and_the_true_one_chosen() -> None:
    counts = _curved()
    template = Spectrum("template", EDGES, counts, "m", sumw2=counts.copy())
    result = spurious_signal_test(
        template,
        signal="gauss",
        width=2.0,
        expected_signal=100.0,
        masses=MASSES,
        candidates=("exp", "exppoly2"),
    )
    exp, exppoly2 = result.tests
    assert not exp.passes and exp.max_relative_to_uncertainty > 1.0 and exp.relative_to_signal > 0.1
    assert exppoly2.passes and exppoly2.max_relative_to_uncertainty < 0.05
    assert result.chosen == "exppoly2" and result.spurious_signal == exppoly2.max_spurious
    # the uncertainty is that of data at the template's normalisation: about sqrt(background under the peak)
    under_peak = counts[(EDGES[:-1] >= 121) & (EDGES[1:] <= 129)].sum()
    assert exppoly2.uncertainty[MASSES.tolist().index(124.0)] == pytest.approx(np.sqrt(under_peak), rel=0.5)


def test_the_core_width_of_a_gaussian_is_its_sigma() -> None:
    fine = np.linspace(110, 140, 301)
    shape = Spectrum("signal", fine, 1000 * np.diff(stats.norm.cdf(fine, 125.0, 1.7)), "m")
    assert core_width(shape) == pytest.approx(1.7, rel=0.02)
    with pytest.raises(ConfigError, match="no simulated signal"):
        core_width(Spectrum("signal", fine, np.zeros(300), "m"))


def test_bad_settings_are_config_errors() -> None:
    template = Spectrum("template", EDGES, _curved(), "m")
    with pytest.raises(ConfigError, match="expected signal must be positive"):
        spurious_signal_test(template, signal="gauss", width=2.0, expected_signal=0.0)
    with pytest.raises(ConfigError, match="narrower than 4 widths"):
        spurious_signal_test(template, signal="gauss", width=20.0, expected_signal=10.0)


@pytest.mark.slow
def test_the_cli_route_writes_the_test(tmp_path: Path) -> None:
    source = write_histograms(
        tmp_path / "templates.root", {"background": (EDGES, _curved()), "signal": (EDGES, _gauss(80.0))}
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "higgshunt.cli",
            "fit",
            "--spurious-signal",
            "--hist",
            f"{source}:background",
            "--signal-shape",
            f"{source}:signal",
            "--mass-range",
            "100",
            "160",
            "--scan",
            "110",
            "150",
            "--step",
            "10",
            "--output",
            str(tmp_path / "spurious"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "chosen: exppoly2" in out.stdout
    document = spurious_signal.load(tmp_path / "spurious")
    assert document["criterion"] == CRITERION and document["chosen"] == "exppoly2"
    assert document["expected_signal"] == pytest.approx(80.0, rel=1e-3)
    assert document["width"] == pytest.approx(2.0, rel=0.1)
    assert [f["background"] for f in document["functions"]] == ["exp", "exppoly2", "bern4"]
    assert json.loads(json.dumps(document)) == document


def test_the_relaxed_criterion_allows_for_the_templates_own_fluctuations() -> None:
    """A template of 1000 simulated events of weight 20 (20000 expected, the exppoly2 shape): its fluctuations
    fake a signal of several sigma_S, which the plain criterion counts against the true function. The relaxed
    one reduces |S_spur| by 2 Delta_MC, Delta_MC = sigma_S sqrt(w) for uniform weights, and says that the
    template's statistics dominate."""
    weight = 20.0
    counts = weight * np.random.default_rng(5).poisson(_curved() / weight).astype(float)
    kwargs = dict(signal="gauss", width=2.0, expected_signal=100.0, masses=MASSES, candidates=("exppoly2",))
    plain = spurious_signal_test(Spectrum("template", EDGES, counts, "m"), **kwargs).tests[0]
    assert not plain.passes and plain.max_relative_to_uncertainty > 0.5 and plain.mc_uncertainty == [0.0] * 6
    relaxed = spurious_signal_test(
        Spectrum("template", EDGES, counts, "m", sumw2=weight * counts), **kwargs
    ).tests[0]
    assert relaxed.mc_uncertainty == pytest.approx(np.sqrt(weight) * np.array(relaxed.uncertainty))
    reduced = np.clip(np.abs(relaxed.spurious) - 2 * np.array(relaxed.mc_uncertainty), 0, None)
    assert relaxed.max_relative_to_uncertainty == pytest.approx(max(reduced / relaxed.uncertainty))
    assert relaxed.max_spurious == pytest.approx(plain.max_spurious)  # the systematic is not reduced
    assert relaxed.passes and relaxed.template_dominated and not plain.template_dominated
