"""Seeded random jagged events (units: MeV) shared by the C++ helper tests."""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np


@dataclass
class Events:
    """Jagged lepton-like objects: flat float32/int columns + int64 offsets, and the same data as awkward."""

    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    e: np.ndarray
    charge: np.ndarray
    type: np.ndarray
    offsets: np.ndarray

    @property
    def momenta(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.pt, self.eta, self.phi, self.e, self.offsets

    def jagged(self, flat: np.ndarray) -> ak.Array:
        return ak.unflatten(flat, np.diff(self.offsets))


def random_events(n_events: int, max_objects: int, seed: int) -> Events:
    """0..max_objects objects per event: pt 5-200 GeV, |eta| < 2.7, mass 0.5 MeV-2 GeV, random charge/type."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, max_objects + 1, n_events)
    n = int(counts.sum())
    pt = rng.uniform(5e3, 2e5, n)
    eta = rng.uniform(-2.7, 2.7, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    mass = rng.uniform(0.5, 2e3, n)
    e = np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2)
    return Events(
        pt=pt.astype(np.float32),
        eta=eta.astype(np.float32),
        phi=phi.astype(np.float32),
        e=e.astype(np.float32),
        charge=rng.choice(np.array([-1, 1], dtype=np.int32), n),
        type=rng.choice(np.array([11, 13], dtype=np.uint32), n),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )
