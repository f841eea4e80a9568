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
from higgshunt.generation.flat import Flat
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
# Fields of the visible particles handed to the detector response, in this order.
VISIBLE_FIELDS = tuple("index id charge px py pz e pt eta phi vx vy vz from_hadron".split())


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
        particles = ak.flatten(events.prt)
        momentum = particles.p
        every = Flat(
            {
                "id": ak.to_numpy(particles.id),
                "status": ak.to_numpy(particles.status),
                "mother1": ak.to_numpy(particles.mother1),
                **{c: ak.to_numpy(getattr(momentum, c)) for c in ("px", "py", "pz", "e")},
            },
            ak.to_numpy(ak.num(events.prt)).astype(np.int64),
        )
        passed = _passes(every, self.sample.lepton_filter, (11, 13)) & _passes(
            every, self.sample.photon_filter, (22,)
        )
        kept = every.events(passed)
        # Flat position of each particle of the kept events in the batch, to look up its vertex later.
        rows = np.flatnonzero(passed[every.event])
        return TruthBatch(
            particles=self._visible(kept, particles.vProd, rows),
            heavy_hadrons=_heavy_hadrons(kept).to_awkward(),
            weights=weights[passed],
            positions=np.flatnonzero(passed),
            generated=len(events),
        )

    def _visible(self, prt: Flat, vertex: ak.Array, rows: np.ndarray) -> ak.Array:
        # Kinematics, charges and vertices are computed for the visible particles only: they are a small part
        # of Pythia's event record (which also holds the partons, the shower history and the decayed hadrons).
        ids = prt["id"]
        final = np.flatnonzero((prt["status"] > 0) & ~np.isin(np.abs(ids), INVISIBLE_IDS))
        pt, eta = _pt_eta(prt, final)
        # Beyond the forward calorimeters (|eta| > 4.9) nothing is measured: those particles are dropped here.
        inside = np.abs(eta) < DETECTOR_ABS_ETA_MAX
        visible, pt, eta = final[inside], pt[inside], eta[inside]
        first = prt.starts[prt.event]  # flat index of each particle's event start
        visible_ids = ids[visible]
        candidates = np.isin(np.abs(visible_ids), _PROMPTNESS_IDS)
        from_hadron = np.zeros(len(visible), dtype=bool)
        from_hadron[candidates] = _is_hadron(
            np.abs(_parent_ids(ids, prt["mother1"], first, visible[candidates]))
        )
        px, py = prt["px"][visible], prt["py"][visible]
        fields = {
            "index": visible - first[visible],
            "id": visible_ids,
            "charge": self._charge(visible_ids),
            "px": px,
            "py": py,
            "pz": prt["pz"][visible],
            "e": prt["e"][visible],
            "pt": pt,
            "eta": eta,
            "phi": np.arctan2(py, px),
            **{f"v{c}": _filled(getattr(vertex, f"p{c}"), rows[visible]) for c in "xyz"},
            "from_hadron": from_hadron,
        }
        counts = np.bincount(prt.event[visible], minlength=len(prt.counts))
        return Flat(fields, counts).to_awkward(VISIBLE_FIELDS)

    def _charge(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        for pid in unique:
            if int(pid) not in self._charges:
                self._charges[int(pid)] = float(self._pythia.particleData.charge(int(pid)))
        table = np.array([self._charges[int(pid)] for pid in unique])
        return table[inverse] if len(ids) else np.zeros(0)


def _pt_eta(prt: Flat, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transverse momentum and pseudorapidity of the particles at flat positions `which`."""
    px, py, pz = prt["px"][which], prt["py"][which], prt["pz"][which]
    pt = np.hypot(px, py)
    return pt, np.arcsinh(pz / np.maximum(pt, 1e-9))


def _filled(values: ak.Array, which: np.ndarray) -> np.ndarray:
    """Entries `which` of a flat option-type array, 0 where missing (a particle made at the origin has no
    vertex)."""
    layout = values.layout
    if not isinstance(layout, ak.contents.IndexedOptionArray):
        return ak.to_numpy(ak.fill_none(values, 0.0))[which]
    # Resolved on the index directly: several times faster than ak.fill_none for this layout.
    index = np.asarray(layout.index)[which]
    content = ak.to_numpy(ak.Array(layout.content))
    if len(content) == 0:
        return np.zeros(len(index))
    return np.where(index >= 0, content[np.maximum(index, 0)], 0.0)


def _passes(prt: Flat, cut: ObjectFilter | None, ids: tuple[int, ...]) -> np.ndarray:
    if cut is None:
        return np.ones(len(prt.counts), dtype=bool)
    candidates = np.flatnonzero((prt["status"] > 0) & np.isin(np.abs(prt["id"]), ids))
    pt, eta = _pt_eta(prt, candidates)
    good = candidates[(pt > cut.pt_min_gev) & (np.abs(eta) < cut.abs_eta_max)]
    return np.bincount(prt.event[good], minlength=len(prt.counts)) >= cut.min_count


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


def _heavy_hadrons(prt: Flat) -> Flat:
    hadrons = np.flatnonzero(_is_hadron(np.abs(prt["id"])))
    absid = np.abs(prt["id"][hadrons])
    quark_b = ((absid // 100) % 10 == 5) | ((absid // 1000) % 10 == 5)
    quark_c = ((absid // 100) % 10 == 4) | ((absid // 1000) % 10 == 4)
    flavour = np.where(quark_b, 5, np.where(quark_c, 4, 0))
    heavy = hadrons[flavour > 0]
    pt, eta = _pt_eta(prt, heavy)
    fields = {
        "pt": pt,
        "eta": eta,
        "phi": np.arctan2(prt["py"][heavy], prt["px"][heavy]),
        "flavour": flavour[flavour > 0],
    }
    return Flat(fields, np.bincount(prt.event[heavy], minlength=len(prt.counts)))
