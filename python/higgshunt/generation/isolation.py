"""Cone sums around reconstructed objects: isolation (ptcone30, etcone20) and calorimeter clusters.

All functions work on whole batches: `objects` and `particles` are jagged per event, and the pairs are formed per
event with awkward's nested cartesian product, so no Python loop runs over events or particles.
"""

from __future__ import annotations

import logging

import awkward as ak
import numpy as np

log = logging.getLogger(__name__)


def delta_phi(phi1: ak.Array, phi2: ak.Array) -> ak.Array:
    """phi1 - phi2 folded into [-pi, pi)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


def delta_r(eta1: ak.Array, phi1: ak.Array, eta2: ak.Array, phi2: ak.Array) -> ak.Array:
    """Distance in (eta, phi)."""
    return np.hypot(eta1 - eta2, delta_phi(phi1, phi2))


def pair_distances(objects: ak.Array, particles: ak.Array) -> tuple[ak.Array, ak.Array]:
    """For every object, the dR to every particle of its event and the particles themselves.

    Returns arrays of shape (event, object, particle): (dR, particle records).
    """
    pairs = ak.cartesian({"o": objects, "p": particles}, nested=True)
    dr = delta_r(pairs.o.eta, pairs.o.phi, pairs.p.eta, pairs.p.phi)
    return dr, pairs.p


def cone_sum(
    objects: ak.Array,
    particles: ak.Array,
    value: str,
    r_max: float,
    *,
    r_min: float = 0.0,
    exclude_self: bool = True,
) -> ak.Array:
    """Sum of `particles[value]` in r_min <= dR < r_max around each object (shape: event, object).

    With `exclude_self`, the particle whose `index` equals the object's `index` is left out (the object itself).
    """
    dr, partner = pair_distances(objects, particles)
    inside = (dr < r_max) & (dr >= r_min)
    if exclude_self:
        own = ak.cartesian({"o": objects.index, "p": particles.index}, nested=True)
        inside = inside & (own.o != own.p)
    return ak.sum(ak.where(inside, partner[value], 0.0), axis=2)


def transverse_energy(particles: ak.Array) -> ak.Array:
    """E_T = E / cosh(eta) of each particle."""
    return particles.e / np.cosh(particles.eta)
