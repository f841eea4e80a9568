"""Pythia 8 events in vectorised batches, reduced to what the detector response needs.

Pythia's Python interface returns a batch of events as an awkward array (`Pythia.nextBatch`), so no Python
loop runs over particles. Each batch is cut by the generator-level filter and reduced to a `TruthBatch`: the
visible final-state particles (GeV, mm, as Pythia gives them) with their charge, production vertex and origin,
and the b- and c-hadrons used to label jets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.errors import ConfigError
from higgshunt.generation.processes import ObjectFilter, Sample

log = logging.getLogger(__name__)

PB_PER_MB = 1.0e9
# Invisible final-state particles: neutrinos, the lightest neutralino, and stable right-handed neutrinos.
INVISIBLE_IDS = np.array([12, 14, 16, 1000022, 9900012, 9900014, 9900016])
DETECTOR_ABS_ETA_MAX = 4.9
# Particles whose origin (prompt or from a hadron decay) the detector response needs.
_PROMPTNESS_IDS = np.array([11, 13, 22])
# How many generations up the mother chain to look for the particle's physical parent (copies are skipped).
_MAX_ANCESTRY = 40


@dataclass
class TruthBatch:
    """Filtered events of one batch.

    Attributes:
        particles: per event, the visible final-state particles (fields index (in Pythia's event record), id,
            charge, px, py, pz, e, pt, eta, phi, vx, vy, vz, from_hadron (for e, mu, gamma: the parent is a
            hadron)).
        heavy_hadrons: per event, b- and c-hadrons (fields pt, eta, phi, flavour 5 or 4).
        weights: Pythia's event weight of each kept event.
        positions: position of each kept event among the generated events of the batch (0-based).
        generated: events Pythia generated in this batch (before the filter).
    """

    particles: ak.Array
    heavy_hadrons: ak.Array
    weights: np.ndarray
    positions: np.ndarray
    generated: int

    def __len__(self) -> int:
        return len(self.weights)

    def head(self, n: int) -> TruthBatch:
        """The first `n` kept events."""
        if n == len(self):
            return self
        return TruthBatch(
            self.particles[:n], self.heavy_hadrons[:n], self.weights[:n], self.positions[:n], self.generated
        )

    @staticmethod
    def concatenate(batches: list[TruthBatch]) -> TruthBatch:
        """One batch from several (positions are then only meaningful per part)."""
        if len(batches) == 1:
            return batches[0]
        return TruthBatch(
            ak.concatenate([b.particles for b in batches]),
            ak.concatenate([b.heavy_hadrons for b in batches]),
            np.concatenate([b.weights for b in batches]),
            np.concatenate([b.positions for b in batches]),
            sum(b.generated for b in batches),
        )


class PythiaSource:
    """A seeded Pythia instance for one sample, producing `TruthBatch`es."""

    def __init__(self, sample: Sample, seed: int) -> None:
        import pythia8mc

        self.sample = sample
        self._pythia = pythia8mc.Pythia("", False)
        settings = [
            *sample.pythia,
            "Random:setSeed = on",
            f"Random:seed = {sample.pythia_seed(seed)}",
            "Print:quiet = on",
        ]
        for setting in settings:
            if not self._pythia.readString(setting):
                raise ConfigError(f"sample {sample.key}: Pythia rejects the setting '{setting}'")
        if not self._pythia.init():
            raise ConfigError(
                f"sample {sample.key}: Pythia initialisation failed for settings {list(sample.pythia)}"
            )
        self._charges: dict[int, float] = {}

    def sigma_pb(self) -> float:
        """Pythia's cross-section estimate so far (includes the branching ratios of forced decays)."""
        return float(self._pythia.infoPython().sigmaGen()) * PB_PER_MB

    def next_events(self, size: int) -> None:
        """Generate `size` events with Pythia's own `next()` without reading them (bare generator cost)."""
        for _ in range(size):
            self._pythia.next()

    def raw_batch(self, size: int) -> ak.Array:
        """`size` events straight from Pythia (failed events are retried, as Pythia's 'skip' mode does)."""
        return self._pythia.nextBatch(size)

    def batches(self, size: int) -> Iterator[TruthBatch]:
        """Endless stream of filtered batches of `size` generated events each."""
        while True:
            yield self.reduce(self.raw_batch(size))

    def reduce(self, events: ak.Array) -> TruthBatch:
        """Apply the generator filter and keep what the detector response reads."""
        weights = ak.to_numpy(ak.firsts(events.info.weights)).astype(np.float64)
        prt = events.prt
        final = prt[prt.status > 0]
        passed = _passes(final, self.sample.lepton_filter, (11, 13)) & _passes(
            final, self.sample.photon_filter, (22,)
        )
        kept_prt = prt[passed]
        return TruthBatch(
            particles=self._visible(kept_prt),
            heavy_hadrons=_heavy_hadrons(kept_prt),
            weights=weights[passed],
            positions=np.flatnonzero(passed),
            generated=len(events),
        )

    def _visible(self, prt: ak.Array) -> ak.Array:
        # Flat numpy over all particles of the batch, one unflatten at the end: much faster than awkward per
        # field.
        counts = ak.to_numpy(ak.num(prt.id))
        first = np.repeat(np.cumsum(counts) - counts, counts)  # flat index of each particle's event start
        ids = ak.to_numpy(ak.flatten(prt.id))
        status = ak.to_numpy(ak.flatten(prt.status))
        mother = ak.to_numpy(ak.flatten(prt.mother1))
        p = prt.p
        px, py, pz, e = (ak.to_numpy(ak.flatten(getattr(p, c))) for c in ("px", "py", "pz", "e"))
        vertex = ak.flatten(prt.vProd)
        vx, vy, vz = (ak.to_numpy(ak.fill_none(getattr(vertex, c), 0.0)) for c in ("px", "py", "pz"))
        absid = np.abs(ids)
        pt = np.hypot(px, py)
        eta = np.arcsinh(pz / np.maximum(pt, 1e-9))
        # Beyond the forward calorimeters (|eta| > 4.9) nothing is measured: those particles are dropped here.
        visible = (status > 0) & ~np.isin(absid, INVISIBLE_IDS) & (np.abs(eta) < DETECTOR_ABS_ETA_MAX)
        candidates = visible & np.isin(absid, _PROMPTNESS_IDS)
        from_hadron = np.zeros(len(ids), dtype=bool)
        from_hadron[candidates] = _is_hadron(
            np.abs(_parent_ids(ids, mother, first, np.flatnonzero(candidates)))
        )
        fields = {
            "index": (np.arange(len(ids)) - first),
            "id": ids,
            "charge": self._charge(ids),
            "px": px,
            "py": py,
            "pz": pz,
            "e": e,
            "pt": pt,
            "eta": eta,
            "phi": np.arctan2(py, px),
            "vx": vx,
            "vy": vy,
            "vz": vz,
            "from_hadron": from_hadron,
        }
        event = np.repeat(np.arange(len(counts)), counts)
        kept_counts = np.bincount(event[visible], minlength=len(counts))
        return ak.unflatten(ak.zip({k: v[visible] for k, v in fields.items()}, depth_limit=1), kept_counts)

    def _charge(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        for pid in unique:
            if int(pid) not in self._charges:
                self._charges[int(pid)] = float(self._pythia.particleData.charge(int(pid)))
        table = np.array([self._charges[int(pid)] for pid in unique])
        return table[inverse] if len(ids) else np.zeros(0)


def _passes(final: ak.Array, cut: ObjectFilter | None, ids: tuple[int, ...]) -> np.ndarray:
    if cut is None:
        return np.ones(len(final), dtype=bool)
    absid = abs(final.id)
    kind = absid == ids[0]
    for other in ids[1:]:
        kind = kind | (absid == other)
    p = final.p
    pt = np.hypot(p.px, p.py)
    eta = np.arcsinh(p.pz / np.maximum(pt, 1e-9))
    good = kind & (pt > cut.pt_min_gev) & (abs(eta) < cut.abs_eta_max)
    return ak.to_numpy(ak.sum(good, axis=1) >= cut.min_count)


def _parent_ids(ids: np.ndarray, mother: np.ndarray, first: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Id of the physical parent of the particles at flat positions `which`.

    The parent is the first ancestor that is not a copy of the particle itself (Pythia keeps a new copy after
    every shower branching or recoil).
    """
    own = ids[which]
    position = first[which] + mother[which]
    for _ in range(_MAX_ANCESTRY):
        is_copy = (ids[position] == own) & (mother[position] > 0)
        if not is_copy.any():
            break
        position = np.where(is_copy, first[position] + mother[position], position)
    return ids[position]


def _is_hadron(absid: Any) -> Any:
    # PDG numbering: hadrons (incl. excited ones) have 100 < |id| < 1 000 000; above are BSM states (SUSY,
    # LRSM),
    # below are partons, leptons, bosons and Pythia's string/cluster codes (90-99).
    return (absid > 100) & (absid < 1_000_000)


def _heavy_hadrons(prt: ak.Array) -> ak.Array:
    absid = abs(prt.id)
    quark_b = ((absid // 100) % 10 == 5) | ((absid // 1000) % 10 == 5)
    quark_c = ((absid // 100) % 10 == 4) | ((absid // 1000) % 10 == 4)
    hadron = _is_hadron(absid)
    flavour = ak.where(quark_b, 5, ak.where(quark_c, 4, 0))
    keep = hadron & (flavour > 0)
    p = prt.p[keep]
    pt = np.hypot(p.px, p.py)
    return ak.zip(
        {
            "pt": pt,
            "eta": np.arcsinh(p.pz / np.maximum(pt, 1e-9)),
            "phi": np.arctan2(p.py, p.px),
            "flavour": flavour[keep],
        }
    )
