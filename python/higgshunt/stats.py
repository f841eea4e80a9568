"""Counting statistics shared by every stage: the Asimov discovery significance and the Jensen-Shannon
divergence of two histograms."""

from __future__ import annotations

import numpy as np


def asimov_significance(signal: np.ndarray | float, background: np.ndarray | float) -> np.ndarray:
    """Median discovery significance of a counting experiment, Z = sqrt(2((s + b) ln(1 + s/b) - s)).

    The rule where the formula does not apply: Z = 0 where s <= 0 (no excess expected) and NaN where b <= 0
    or either input is NaN (no background estimate: the significance is undefined, never infinite, so no
    optimiser chases an empty background region). Works elementwise; a 0-d array for scalar inputs, which
    `float()` turns into a number.
    """
    s, b = np.broadcast_arrays(np.asarray(signal, dtype=np.float64), np.asarray(background, dtype=np.float64))
    z = np.full(s.shape, np.nan)
    defined = b > 0
    positive = defined & (s > 0)
    z[defined & (s <= 0)] = 0.0
    sp, bp = s[positive], b[positive]
    z[positive] = np.sqrt(np.clip(2.0 * ((sp + bp) * np.log1p(sp / bp) - sp), 0.0, None))
    return z


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2: 0 for equal shapes, 1 for disjoint ones) of two histograms, each
    normalised here; NaN when either is empty."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nonzero = a > 0
        return float(np.sum(a[nonzero] * np.log2(a[nonzero] / m[nonzero])))

    return 0.5 * kl(p) + 0.5 * kl(q)
