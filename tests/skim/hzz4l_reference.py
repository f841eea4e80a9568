"""An independent H->ZZ*->4l selection with uproot + awkward + vector, the columnar Python way.

It implements configs/hzz4l.yaml's cuts from their physics definition, without ROOT or libhiggshunt, so the
skim can be checked against it event by event (and the benchmark can time it as the columnar baseline).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot
import vector

Z_MASS_MEV = 91187.6
BRANCHES = [
    "runNumber",
    "eventNumber",
    "trigE",
    "trigM",
    "lep_pt",
    "lep_eta",
    "lep_phi",
    "lep_E",
    "lep_charge",
    "lep_type",
    "lep_isTightID",
    "lep_ptcone30",
    "lep_etcone20",
    "lep_tracksigd0pvunbiased",
    "lep_z0",
]
# Electron / muon requirements (MeV, mm), as in the config's declarations.
ELECTRON = {"pt_min": 7000.0, "abs_eta_max": 2.47, "d0sig_max": 5.0}
MUON = {"pt_min": 5000.0, "abs_eta_max": 2.5, "d0sig_max": 3.0}
ISOLATION_MAX = 0.3
Z0SINTHETA_MAX_MM = 0.5
# The six ways to pick a Z1 pair out of four leptons, in lexicographic order, with the complementary Z2 pair.
PAIRINGS = [
    ((0, 1), (2, 3)),
    ((0, 2), (1, 3)),
    ((0, 3), (1, 2)),
    ((1, 2), (0, 3)),
    ((1, 3), (0, 2)),
    ((2, 3), (0, 1)),
]


def good_leptons(
    events: ak.Array,
    electron: dict[str, float] = ELECTRON,
    muon: dict[str, float] = MUON,
    isolation_max: float = ISOLATION_MAX,
    electron_crack: tuple[float, float] | None = None,
) -> ak.Array:
    """Per-lepton mask of the good-lepton definition (tight, isolated, impact parameters, pT and |eta|)."""
    pt, eta = events.lep_pt, events.lep_eta
    is_e, is_mu = events.lep_type == 11, events.lep_type == 13

    def passes(cuts: dict[str, float]) -> ak.Array:
        return (
            (pt > cuts["pt_min"])
            & (abs(eta) < cuts["abs_eta_max"])
            & (abs(events.lep_tracksigd0pvunbiased) < cuts["d0sig_max"])
        )

    theta = 2.0 * np.arctan(np.exp(-eta))
    common = (
        events.lep_isTightID
        & (events.lep_ptcone30 / pt < isolation_max)
        & (events.lep_etcone20 / pt < isolation_max)
        & (abs(events.lep_z0 * np.sin(theta)) < Z0SINTHETA_MAX_MM)
    )
    electrons = is_e & passes(electron)
    if electron_crack is not None:
        electrons = electrons & ~((abs(eta) > electron_crack[0]) & (abs(eta) < electron_crack[1]))
    return common & (electrons | (is_mu & passes(muon)))


def select(events: ak.Array) -> tuple[dict[str, int], ak.Array]:
    """Apply the selection: (entries after each cut, selected events with m4l, m12, m34, sorted leptons)."""
    counts = {"all": len(events)}
    events = events[events.trigE | events.trigM]
    counts["trigger"] = len(events)
    good = good_leptons(events)
    events = events[ak.sum(good, axis=1) == 4]
    good = good[ak.sum(good, axis=1) == 4]
    counts["four_good_leptons"] = len(events)
    # "type" would shadow the awkward Array attribute of that name: the field is "pdg".
    lep = ak.zip(
        {
            name: events[f"lep_{branch}"][good]
            for name, branch in (
                ("pt", "pt"),
                ("eta", "eta"),
                ("phi", "phi"),
                ("E", "E"),
                ("charge", "charge"),
                ("pdg", "type"),
            )
        }
    )
    lep = lep[ak.argsort(lep.pt, axis=1, ascending=False, stable=True)]
    keep = ak.sum(lep.charge, axis=1) == 0
    events, lep = events[keep], lep[keep]
    counts["zero_charge"] = len(events)
    flavour_sum = ak.sum(lep.pdg, axis=1)
    keep = (flavour_sum == 44) | (flavour_sum == 48) | (flavour_sum == 52)
    events, lep = events[keep], lep[keep]
    counts["flavour_pairs"] = len(events)
    keep = (lep.pt[:, 0] > 20000) & (lep.pt[:, 1] > 15000) & (lep.pt[:, 2] > 10000)
    events, lep = events[keep], lep[keep]
    counts["lepton_pt"] = len(events)

    p4 = vector.zip({"pt": lep.pt, "eta": lep.eta, "phi": lep.phi, "energy": lep.E})
    m12, m34, m4l, valid = _z_candidates(lep, p4)
    events, lep, m12, m34, m4l = events[valid], lep[valid], m12[valid], m34[valid], m4l[valid]
    counts["z_pairs"] = len(events)
    keep = (m12 > 50000) & (m12 < 106000)
    events, lep, m12, m34, m4l = events[keep], lep[keep], m12[keep], m34[keep], m4l[keep]
    counts["z1_mass"] = len(events)
    keep = (m34 > 12000) & (m34 < 115000)
    events, lep, m12, m34, m4l = events[keep], lep[keep], m12[keep], m34[keep], m4l[keep]
    counts["z2_mass"] = len(events)
    selected = ak.zip(
        {
            "runNumber": events.runNumber,
            "eventNumber": events.eventNumber,
            "m12": m12,
            "m34": m34,
            "m4l": m4l,
            "lep": lep,
        },
        depth_limit=1,
    )
    return counts, selected


def _z_candidates(lep: ak.Array, p4: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Z1 = same-flavour opposite-charge pair closest to the Z mass (first in lexicographic order on ties);
    Z2 = the other two leptons, which must also be same-flavour opposite-charge."""
    n = len(lep)
    distance = np.full((n, len(PAIRINGS)), np.inf)
    masses = np.zeros((n, len(PAIRINGS), 2))
    z2_ok = np.zeros((n, len(PAIRINGS)), dtype=bool)
    for k, ((a, b), (c, d)) in enumerate(PAIRINGS):
        sfos_1 = ak.to_numpy((lep.pdg[:, a] == lep.pdg[:, b]) & (lep.charge[:, a] * lep.charge[:, b] < 0))
        sfos_2 = ak.to_numpy((lep.pdg[:, c] == lep.pdg[:, d]) & (lep.charge[:, c] * lep.charge[:, d] < 0))
        m_ab = ak.to_numpy((p4[:, a] + p4[:, b]).mass)
        m_cd = ak.to_numpy((p4[:, c] + p4[:, d]).mass)
        distance[:, k] = np.where(sfos_1, np.abs(m_ab - Z_MASS_MEV), np.inf)
        masses[:, k] = np.stack([m_ab, m_cd], axis=1)
        z2_ok[:, k] = sfos_2
    best = np.argmin(distance, axis=1)
    rows = np.arange(n)
    valid = np.isfinite(distance[rows, best]) & z2_ok[rows, best]
    m4l = ak.to_numpy((p4[:, 0] + p4[:, 1] + p4[:, 2] + p4[:, 3]).mass) if n else np.zeros(0)
    return masses[rows, best, 0], masses[rows, best, 1], m4l, valid


def iterate(path: str | Path, step_size: str = "100 MB") -> Iterator[tuple[dict[str, int], ak.Array]]:
    """Run the selection chunk by chunk over a file (memory independent of its size)."""
    for events in uproot.iterate(f"{path}:mini", BRANCHES, step_size=step_size):
        yield select(events)
