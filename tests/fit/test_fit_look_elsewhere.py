"""The Gross-Vitells look-elsewhere correction (fit/scan.py, `look_elsewhere: upcrossings`): upcrossings
counted by hand, the formula by hand, and, on a background-only model, the global p-value calibrated on 20
toys agrees with the fraction of 150 other toys whose largest q0 exceeds the same level, within the toys'
spread."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fit_toys import expected_counts, gauss_exp_model, toy_file
from higgshunt.artifacts import fit_result
from higgshunt.errors import ConfigError
from higgshunt.fit import FitOptions, run_fit
from higgshunt.fit import likelihood as lk
from higgshunt.fit.scan import UPCROSSING_LEVEL, gross_vitells, mass_scan, upcrossings
from scipy import stats

EDGES = np.linspace(110.0, 140.0, 21)
WIDTH = 1.5
MASSES = np.arange(113.0, 137.01, 0.75)  # half a width apart


def test_upcrossings_are_counted_along_the_grid() -> None:
    q0 = np.array([0.0, 0.7, 0.2, 0.5, 3.0, np.nan, 0.1, 0.6, 0.6])
    # 0 -> 0.7 up; 0.2 -> 0.5 up (at the level counts); the NaN is skipped: 3.0 -> 0.1 down, 0.1 -> 0.6 up
    assert upcrossings(q0, 0.5) == 3
    assert upcrossings(q0, 10.0) == 0
    assert upcrossings(np.array([1.0, 2.0]), 0.5) == 0  # above from the start: p_local's share, not counted
    assert upcrossings(np.array([]), 0.5) == 0


def test_the_formula_by_hand() -> None:
    # q0_max = 9 (Z local 3), E[N(0.5)] = 2: p = Phi(-3) + 2 exp(-(9 - 0.5) / 2)
    assert gross_vitells(9.0, 2.0, 0.5) == pytest.approx(stats.norm.sf(3.0) + 2 * math.exp(-4.25))
    assert gross_vitells(9.0, 0.0) == pytest.approx(stats.norm.sf(3.0))  # no crossing: local = global
    assert gross_vitells(0.6, 5.0) == 1.0  # a probability


def _background_only_model(seed: int):
    background = expected_counts(EDGES, n_background=2000.0, slope=-0.03)
    return gauss_exp_model(np.random.default_rng(seed).poisson(background), EDGES, WIDTH)


@pytest.mark.slow
def test_upcrossings_from_few_toys_agree_with_many_toys() -> None:
    model = _background_only_model(1)
    with lk.quiet_roofit():
        calibration = mass_scan(model, MASSES, 20, seed=3, method="upcrossings").look_elsewhere
        reference = mass_scan(model, MASSES, 150, seed=4, method="toys").look_elsewhere
    assert calibration["method"] == "upcrossings" and reference["method"] == "toys"
    assert calibration["upcrossing_level"] == UPCROSSING_LEVEL and len(calibration["toy_upcrossings"]) == 20
    maxima = np.array(reference["toy_max_q0"])
    for level in (4.0, 6.0):  # local Z 2 and 2.45
        fraction = float(np.mean(maxima >= level))
        binomial = math.sqrt(fraction * (1 - fraction) / len(maxima))
        predicted = gross_vitells(level, calibration["mean_upcrossings"])
        calibration_error = calibration["mean_upcrossings_error"] * math.exp(-(level - UPCROSSING_LEVEL) / 2)
        assert abs(predicted - fraction) < 3 * math.hypot(binomial, calibration_error), (level, fraction)
        assert predicted > stats.norm.sf(math.sqrt(level))  # global above local


def test_a_scan_with_upcrossings_reports_a_global_z_below_the_local(tmp_path) -> None:
    spectrum = toy_file(tmp_path / "toy.root", seed=11, n_signal=90.0, mass=130.0)
    options = FitOptions(
        hist=f"{spectrum}:mass",
        mass_range=(100.0, 160.0),
        width=2.0,
        scan=(110.0, 150.0),
        scan_step=1.0,
        toys=3,
        seed=5,
        look_elsewhere="upcrossings",
    )
    run_fit(options, tmp_path / "fit", plots=False)
    look = fit_result.load(tmp_path / "fit").result.look_elsewhere
    assert look is not None and look["method"] == "upcrossings" and look["n_toys"] == 3
    assert look["p0_global"] == pytest.approx(gross_vitells(look["q0_max"], look["mean_upcrossings"]))
    assert look["p0_global"] > look["min_p0_local"]
    assert 0 < look["significance_global"] < look["z_local_max"]
    assert look["p0_global_error"] > 0


def test_an_unknown_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="look_elsewhere"):
        mass_scan(_background_only_model(2), MASSES, 1, seed=0, method="trials")
