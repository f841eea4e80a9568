"""The score-cut optimisation: the exact optimiser against a brute-force scan, and its edge cases (the Asimov
significance itself is tested in tests/core/test_stats.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from bumphunt_inputs import asimov
from higgshunt.bumphunt.selection import optimise
from higgshunt.errors import InputError


def _brute_force(s: np.ndarray, b: np.ndarray, k: int, min_b: float) -> tuple[float, tuple[int, ...]]:
    """Every set of k starting bins, the highest interval reaching the overflow; ties keep the first found."""
    n = len(s)
    best, best_starts = -1.0, ()
    for starts in itertools.combinations(range(n), k):
        ends = (*starts[1:], n)
        parts = [(s[i:j].sum(), b[i:j].sum()) for i, j in zip(starts, ends, strict=True)]
        if any(pb < min_b for _, pb in parts):
            continue
        z = math.sqrt(sum(asimov(ps, pb) ** 2 for ps, pb in parts))
        if z > best + 1e-12:
            best, best_starts = z, starts
    return best, best_starts


@pytest.mark.parametrize("categories", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_optimise_equals_brute_force(categories: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    edges = np.linspace(0.0, 1.0, 13)
    x = np.linspace(0, 1, len(edges) + 1)
    signal = rng.uniform(0.0, 1.0, len(x)) * x**2 * 5
    background = rng.uniform(0.2, 3.0, len(x)) * (1.2 - x)
    background[3] = -0.1  # negative-weight bins happen
    result = optimise(signal, background, edges, categories=categories, min_background=0.5)
    z, starts = _brute_force(signal, background, categories, 0.5)
    assert result.significance == pytest.approx(z, rel=1e-12)
    assert tuple(c.first_bin for c in result.categories) == starts
    assert result.cut == (edges[starts[0] - 1] if starts[0] > 0 else -math.inf)
    assert result.categories[-1].high == math.inf
    for low, high in zip(result.categories[:-1], result.categories[1:], strict=True):
        assert low.last_bin + 1 == high.first_bin and low.high == high.low
    assert sum(c.background for c in result.categories) == pytest.approx(
        background[starts[0] :].sum(), rel=1e-12
    )


def test_single_cut_keeps_signal_only_region_when_background_allows() -> None:
    edges = np.array([0.0, 0.5, 1.0])
    signal = np.array([0.0, 1.0, 10.0, 0.0])  # underflow, [0, 0.5), [0.5, 1), overflow
    background = np.array([0.0, 50.0, 2.0, 0.0])
    result = optimise(signal, background, edges, min_background=1.0)
    assert result.cut == 0.5
    assert result.categories[0].signal == 10.0 and result.categories[0].background == 2.0
    assert result.significance == pytest.approx(asimov(10.0, 2.0))


def test_min_background_forbids_background_free_corners() -> None:
    edges = np.array([0.0, 0.5, 1.0])
    signal = np.array([0.0, 1.0, 10.0, 0.0])
    background = np.array([0.0, 50.0, 0.5, 0.0])
    assert optimise(signal, background, edges, min_background=1.0).categories[0].background == 50.5
    with pytest.raises(InputError, match="at least 100.0 expected background"):
        optimise(signal, background, edges, min_background=100.0)


def test_zero_yields_everywhere_is_an_error() -> None:
    edges = np.linspace(0, 1, 5)
    with pytest.raises(InputError, match="total simulated background 0"):
        optimise(np.zeros(6), np.zeros(6), edges)


def test_ties_keep_the_loosest_cut() -> None:
    edges = np.linspace(0, 1, 5)
    signal = np.array([0.0, 0.0, 0.0, 5.0, 5.0, 0.0])  # nothing below 0.5: cutting there changes nothing
    background = np.array([0.0, 0.0, 0.0, 2.0, 2.0, 0.0])
    assert optimise(signal, background, edges).cut == -math.inf


def test_wrong_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="under- and overflow"):
        optimise(np.ones(4), np.ones(4), np.linspace(0, 1, 4))
