"""Cone sums and matching between collections: isolation (ptcone30, etcone20), clusters, jet labels.

All functions work on whole batches of flat collections (higgshunt.generation.flat). The (object, particle)
pairs of every event are enumerated once as flat numpy index arrays (`Pairs`), so no Python loop runs over
events or particles and no nested awkward array is built: sums and "any" over the pairs of each object are
`np.bincount` calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from higgshunt.generation.flat import Flat

log = logging.getLogger(__name__)


def delta_phi(phi1: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """phi1 - phi2 folded into [-pi, pi)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


@dataclass(frozen=True)
class Pairs:
    """Every (first, second) pair of entries within the same event, as flat indices into the two collections.

    Attributes:
        first, second: flat indices of the pair's members.
        dr: their distance in (eta, phi).
        n_first: number of entries of the first collection (the length of per-entry results).
    """

    first: np.ndarray
    second: np.ndarray
    dr: np.ndarray
    n_first: int

    def sum(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per entry of the first collection: the sum of `values` (one per pair) over the pairs in `mask`."""
        return np.bincount(self.first[mask], weights=values[mask], minlength=self.n_first)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Per entry of the first collection: whether any of its pairs is in `mask`."""
        return np.bincount(self.first[mask], minlength=self.n_first) > 0


def pairs(first: Flat, second: Flat) -> Pairs:
    """All pairs of entries of `first` and `second` (same events, with fields eta and phi) in each event."""
    n_first, n_second = first.counts, second.counts
    per_event = n_first * n_second
    total = int(per_event.sum())
    event = np.repeat(np.arange(len(per_event)), per_event)
    within = np.arange(total) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    quotient, remainder = np.divmod(within, np.maximum(n_second[event], 1))
    i = first.starts[event] + quotient
    j = second.starts[event] + remainder
    if total:
        dr = np.hypot(first["eta"][i] - second["eta"][j], delta_phi(first["phi"][i], second["phi"][j]))
    else:
        dr = np.zeros(0)
    return Pairs(i, j, dr, first.size)


def cone_sum_flat(
    objects: Flat,
    particles: Flat,
    value: str,
    r_max: float,
    *,
    r_min: float = 0.0,
    exclude_self: bool = True,
) -> np.ndarray:
    """Sum of `particles[value]` in r_min <= dR < r_max around each object (one value per object).

    With `exclude_self`, the particle whose `index` equals the object's `index` is left out (the object
    itself).
    """
    p = pairs(objects, particles)
    inside = (p.dr < r_max) & (p.dr >= r_min)
    if exclude_self:
        inside &= objects["index"][p.first] != particles["index"][p.second]
    return p.sum(particles[value][p.second], inside)
