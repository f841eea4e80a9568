"""Cone sums and matching between collections: isolation (ptcone30, etcone20), clusters, jet labels.

All functions work on whole batches. The (object, particle) pairs of every event are enumerated once as flat
numpy index arrays (`Pairs`), so no Python loop runs over events or particles and no nested awkward array is
built: sums and "any" over the pairs of each object are `np.bincount` calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import awkward as ak
import numpy as np

log = logging.getLogger(__name__)


def delta_phi(phi1: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """phi1 - phi2 folded into [-pi, pi)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


def flat(values: ak.Array) -> np.ndarray:
    """The entries of a jagged array as one numpy array."""
    return ak.to_numpy(ak.flatten(values, axis=None))


@dataclass(frozen=True)
class Pairs:
    """Every (first, second) pair of entries within the same event, as flat indices into the flattened arrays.

    Attributes:
        first, second: flat indices of the pair's members.
        dr: their distance in (eta, phi).
        counts: entries of the first collection per event (to turn per-entry results back into jagged arrays).
    """

    first: np.ndarray
    second: np.ndarray
    dr: np.ndarray
    counts: np.ndarray

    def sum(self, values: np.ndarray, mask: np.ndarray) -> ak.Array:
        """Per entry of the first collection: the sum of `values` (one per pair) over the pairs in `mask`."""
        total = np.bincount(self.first[mask], weights=values[mask], minlength=int(self.counts.sum()))
        return ak.unflatten(total, self.counts)

    def any(self, mask: np.ndarray) -> ak.Array:
        """Per entry of the first collection: whether any of its pairs is in `mask`."""
        hits = np.bincount(self.first[mask], minlength=int(self.counts.sum()))
        return ak.unflatten(hits > 0, self.counts)


def pairs(first: ak.Array, second: ak.Array) -> Pairs:
    """All pairs of entries of `first` and `second` (jagged, same events, with eta and phi) in each event."""
    n_first = ak.to_numpy(ak.num(first))
    n_second = ak.to_numpy(ak.num(second))
    per_event = n_first * n_second
    total = int(per_event.sum())
    event = np.repeat(np.arange(len(per_event)), per_event)
    within = np.arange(total) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    n_s = n_second[event]
    safe = np.maximum(n_s, 1)
    i = (np.cumsum(n_first) - n_first)[event] + within // safe
    j = (np.cumsum(n_second) - n_second)[event] + within % safe
    eta1, phi1 = flat(first.eta), flat(first.phi)
    eta2, phi2 = flat(second.eta), flat(second.phi)
    dr = np.hypot(eta1[i] - eta2[j], delta_phi(phi1[i], phi2[j])) if total else np.zeros(0)
    return Pairs(i, j, dr, n_first)


def cone_sum(
    objects: ak.Array,
    particles: ak.Array,
    value: str,
    r_max: float,
    *,
    r_min: float = 0.0,
    exclude_self: bool = True,
) -> ak.Array:
    """Sum of `particles[value]` in r_min <= dR < r_max around each object (jagged like `objects`).

    With `exclude_self`, the particle whose `index` equals the object's `index` is left out (the object
    itself).
    """
    p = pairs(objects, particles)
    inside = (p.dr < r_max) & (p.dr >= r_min)
    if exclude_self:
        inside &= flat(objects.index)[p.first] != flat(particles.index)[p.second]
    return p.sum(flat(particles[value])[p.second], inside)


def transverse_energy(particles: ak.Array) -> ak.Array:
    """E_T = E / cosh(eta) of each particle."""
    return particles.e / np.cosh(particles.eta)
