"""The shared counting statistics: Asimov significance against hand-computed values and its rules where the
formula does not apply; the Jensen-Shannon divergence against scipy and its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from higgshunt.stats import asimov_significance, jensen_shannon
from scipy.spatial.distance import jensenshannon


@pytest.mark.parametrize(
    ("s", "b", "expected"),
    [
        (18.0, 10.0, 4.6539),  # ATLAS Open Data 36 fb^-1 H->4l: "about 4.7"
        (9.0, 21.0, 1.8441),  # 10 fb^-1: "about 1.8"
        (10.0, 2.54, 4.4774),  # by hand: sqrt(2(12.54 ln(4.937) - 10))
        (10.0, 100.0, 0.98399),  # 2 (110 ln(1.1) - 10) = 0.96824
    ],
)
def test_asimov_matches_hand_computed_values(s: float, b: float, expected: float) -> None:
    assert float(asimov_significance(s, b)) == pytest.approx(expected, abs=2e-4)


def test_asimov_is_the_written_out_formula() -> None:
    assert float(asimov_significance(10.0, 100.0)) == pytest.approx(math.sqrt(2 * (110 * math.log(1.1) - 10)))


def test_asimov_tends_to_s_over_sqrt_b_for_small_signal() -> None:
    assert float(asimov_significance(0.1, 1e4)) == pytest.approx(0.1 / 100.0, rel=1e-4)
    assert float(asimov_significance(1.0, 1e6)) == pytest.approx(1e-3, rel=1e-3)


def test_asimov_is_zero_without_signal() -> None:
    assert float(asimov_significance(0.0, 5.0)) == 0.0
    assert float(asimov_significance(-1.0, 5.0)) == 0.0  # negative weights can give a negative signal


@pytest.mark.parametrize(
    ("s", "b"), [(3.0, 0.0), (3.0, -1.0), (0.0, 0.0), (-1.0, -1.0), (math.nan, 1.0), (1.0, math.nan)]
)
def test_asimov_is_undefined_without_background(s: float, b: float) -> None:
    assert math.isnan(float(asimov_significance(s, b)))


def test_asimov_works_elementwise_and_broadcasts() -> None:
    s = np.array([0.0, -1.0, 5.0, 5.0, 18.0])
    b = np.array([10.0, 10.0, 0.0, np.nan, 10.0])
    z = asimov_significance(s, b)
    assert z.shape == (5,)
    assert z[0] == 0.0 and z[1] == 0.0
    assert np.isnan(z[2]) and np.isnan(z[3])
    assert z[4] == pytest.approx(4.6539, abs=2e-4)
    row = asimov_significance(np.array([[9.0, 18.0]]), np.array([[21.0], [10.0]]))
    assert row.shape == (2, 2)
    assert row[0, 0] == pytest.approx(1.8441, abs=2e-4) and row[1, 1] == pytest.approx(4.6539, abs=2e-4)


def test_asimov_of_scalars_is_a_number() -> None:
    z = asimov_significance(18.0, 10.0)
    assert z.shape == ()
    assert isinstance(float(z), float)


def test_jensen_shannon_matches_scipy() -> None:
    p, q = np.array([1.0, 2.0, 3.0, 0.0]), np.array([0.0, 1.0, 1.0, 2.0])
    assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2) ** 2)


def test_jensen_shannon_of_equal_shapes_is_zero() -> None:
    p = np.array([1.0, 2.0, 3.0, 0.0])
    assert jensen_shannon(p, p) == pytest.approx(0.0)
    assert jensen_shannon(p, 7.5 * p) == pytest.approx(0.0)  # normalised: only the shape counts


def test_jensen_shannon_of_disjoint_histograms_is_one() -> None:
    assert jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    assert jensen_shannon(np.array([3.0, 1.0, 0.0, 0.0]), np.array([0.0, 0.0, 2.0, 5.0])) == pytest.approx(
        1.0
    )


def test_jensen_shannon_of_an_empty_histogram_is_undefined() -> None:
    q = np.array([0.0, 1.0, 1.0])
    assert math.isnan(jensen_shannon(np.zeros(3), q))
    assert math.isnan(jensen_shannon(q, np.zeros(3)))
    assert math.isnan(jensen_shannon(np.array([]), np.array([])))
