"""The score-cut optimisation: the exact optimiser against a brute-force scan, and its edge cases (the Asimov
significance itself is tested in tests/core/test_stats.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from bumphunt_inputs import asimov
from higgshunt.bumphunt.selection import at_background_efficiencies, effective_events, measure, optimise
from higgshunt.errors import InputError
from higgshunt.stats import asimov_significance


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


def test_effective_events_floor_refuses_heavy_weight_only_regions() -> None:
    """High scores hold a large background yield carried by two heavy events: refused by the floor."""
    edges = np.linspace(0.0, 1.0, 5)
    signal = np.array([0.0, 1.0, 1.0, 2.0, 10.0, 0.0])
    background = np.array([0.0, 100.0, 80.0, 50.0, 5.0, 0.0])  # bin 4: 2 events of weight 2.5
    sumw2 = np.array([0.0, 100.0, 80.0, 50.0, 2 * 2.5**2, 0.0])  # unit weights elsewhere
    free = optimise(signal, background, edges, min_background=1.0)
    assert free.categories[0].first_bin == 4  # without the floor: the heavy-weight corner
    floored = optimise(signal, background, edges, background_sumw2=sumw2, min_effective_events=10.0)
    first = floored.categories[0]
    assert first.first_bin < 4
    b = background[first.first_bin : first.last_bin + 1].sum()
    assert effective_events(b, sumw2[first.first_bin : first.last_bin + 1].sum()) >= 10.0
    assert effective_events(5.0, 12.5) == pytest.approx(2.0)  # (sum w)^2 / sum w^2 by hand
    assert effective_events(0.0, 0.0) == 0.0
    with pytest.raises(InputError, match="effective"):
        optimise(signal, background, edges, background_sumw2=sumw2, min_effective_events=1e6)


def test_cut_reported_on_other_half_is_unbiased() -> None:
    """Toys of a flat-in-score background and a signal with no score dependence: every cut has the same true
    Z. The best cut's Z on the events that chose it is biased upward; on the other half it is not."""
    rng = np.random.default_rng(7)
    bins = 20
    edges = np.linspace(0.0, 1.0, bins + 1)
    weight = 0.5  # each half's events carry twice the weight to stand for the whole sample
    s_true = np.r_[0.0, np.full(bins, 0.5), 0.0]
    b_true = np.r_[0.0, np.full(bins, 5.0), 0.0]
    same, other, true = [], [], []
    for _ in range(200):
        halves = [
            rng.poisson((s_true, b_true)).astype(float) for _ in range(2)
        ]  # unit-weight simulated events
        chosen = optimise(halves[0][0] / weight, halves[0][1] / weight, edges, min_background=1.0)
        same.append(chosen.significance)
        other.append(measure(chosen, halves[1][0], halves[1][1], scale=1 / weight).significance)
        first = chosen.categories[0].first_bin
        true.append(float(asimov_significance(s_true[first:].sum() * 2, b_true[first:].sum() * 2)))
    spread = np.std(np.array(other) - np.array(true)) / math.sqrt(len(true))
    assert abs(np.mean(other) - np.mean(true)) < 3 * spread
    assert np.mean(same) - np.mean(true) > 5 * spread


def test_background_efficiency_cuts_ignore_the_signal() -> None:
    """Cuts at fixed background efficiencies: the same for any signal, keeping at most that background
    fraction (checked by hand on a falling background)."""
    edges = np.linspace(0.0, 1.0, 11)
    background = np.r_[0.0, 500.0, 250.0, 120.0, 60.0, 30.0, 20.0, 10.0, 6.0, 3.0, 1.0, 0.0]  # total 1000
    rng = np.random.default_rng(3)
    cuts = {
        at_background_efficiencies(rng.uniform(0, 50, 12), background, edges, (0.05, 0.01)).categories
        for _ in range(5)
    }
    assert len({tuple((c.first_bin, c.last_bin) for c in found) for found in cuts}) == 1
    first, second = next(iter(cuts))
    # above 0.5: 20 + 10 + 6 + 3 + 1 = 40 of 1000 (<= 5 %); above 0.7: 10 of 1000 (<= 1 %)
    assert first.low == pytest.approx(0.5) and second.low == pytest.approx(0.7)
    with pytest.raises(InputError, match="same score cut"):
        at_background_efficiencies(np.zeros(12), background, edges, (0.05, 0.045))
