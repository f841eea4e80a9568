"""The official notebooks' selections and weights of `generation.calibration`, on hand-made events.

Reference values are computed by hand here (four-vectors summed component by component with math), not with
the module's own helpers.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest
from higgshunt.generation import ntuple
from higgshunt.generation.calibration import (
    TARGETS,
    expected_weights,
    four_lepton_skim,
    hyy_notebook_2020,
    hzz4l_notebook_2020,
    hzz4l_notebook_2025,
)

GEV = 1000.0  # the columns are in MeV


def _mass(objects: list[tuple[float, float, float, float]]) -> float:
    """Invariant mass (GeV) of (pt, eta, phi, E) objects in GeV, by hand."""
    e = sum(o[3] for o in objects)
    px = sum(o[0] * math.cos(o[2]) for o in objects)
    py = sum(o[0] * math.sin(o[2]) for o in objects)
    pz = sum(o[0] * math.sinh(o[1]) for o in objects)
    return math.sqrt(e * e - px * px - py * py - pz * pz)


def _massless(pt: float, eta: float, phi: float) -> tuple[float, float, float, float]:
    return (pt, eta, phi, pt * math.cosh(eta))


def _leptons(events: list[dict[str, Any]]) -> ntuple.Columns:
    """Columns of events given as lists of leptons (pt GeV, eta, phi, E GeV, charge, type) plus flags."""
    values: dict[str, Any] = {}
    for name, index in (("lep_pt", 0), ("lep_eta", 1), ("lep_phi", 2), ("lep_E", 3)):
        scale = GEV if name in ("lep_pt", "lep_E") else 1.0
        values[name] = ak.Array([[lep[index] * scale for lep in ev["leptons"]] for ev in events])
    values["lep_charge"] = ak.Array([[lep[4] for lep in ev["leptons"]] for ev in events])
    values["lep_type"] = ak.Array([[lep[5] for lep in ev["leptons"]] for ev in events])
    values["lep_trigMatched"] = ak.Array([ev.get("matched", [True] * len(ev["leptons"])) for ev in events])
    values["lep_n"] = np.array([len(ev["leptons"]) for ev in events], dtype=np.uint32)
    values["trigE"] = np.array([ev.get("trigE", True) for ev in events])
    values["trigM"] = np.array([ev.get("trigM", False) for ev in events])
    values["lep_ptcone30"] = ak.Array([ev.get("ptcone", [0.0] * len(ev["leptons"])) for ev in events]) * GEV
    values["lep_etcone20"] = ak.Array([ev.get("etcone", [0.0] * len(ev["leptons"])) for ev in events]) * GEV
    values["eventNumber"] = np.arange(len(events))
    return ntuple.Columns(values)


def _softer(leptons: list[tuple[float, ...]], pt_max: float) -> list[tuple[float, ...]]:
    """The leptons with their pT (and energy) scaled so that the hardest has `pt_max` GeV."""
    scale = pt_max / max(lep[0] for lep in leptons)
    return [_lepton(lep[0] * scale, lep[1], lep[2], int(lep[4]), int(lep[5])) for lep in leptons]


def _lepton(pt: float, eta: float, phi: float, charge: int, kind: int) -> tuple[float, ...]:
    return (*_massless(pt, eta, phi), charge, kind)


# A 2e2mu event in decreasing pT, total charge 0.
EEMM = [
    _lepton(45.0, 0.3, 0.1, 1, 11),
    _lepton(30.0, -0.8, 2.5, -1, 11),
    _lepton(22.0, 1.1, -1.9, 1, 13),
    _lepton(12.0, -1.7, 1.0, -1, 13),
]


def test_four_lepton_mass_and_the_2020_cuts() -> None:
    events = [
        {"leptons": EEMM},
        {"leptons": [*EEMM[:3], _lepton(12.0, -1.7, 1.0, 1, 13)]},  # charge +2
        {"leptons": [*EEMM[:3], _lepton(12.0, -1.7, 1.0, -1, 11)]},  # 3e1mu: flavour sum 46
        {"leptons": EEMM[:3]},  # three leptons
        {"leptons": [*EEMM, _lepton(8.0, 0.0, 0.0, 1, 13)]},  # a fifth lepton: the first four count
    ]
    mass, passes = hzz4l_notebook_2020(_leptons(events))
    assert passes.tolist() == [True, False, False, False, True]
    expected = _mass([lep[:4] for lep in EEMM])
    assert mass[0] == pytest.approx(expected, rel=1e-5)
    assert mass[4] == pytest.approx(expected, rel=1e-5)


def test_the_2025_cuts_sort_by_pt_and_need_a_trigger() -> None:
    electrons_first = [EEMM[0], EEMM[3], EEMM[1], EEMM[2]]  # the 2025 order is not by pT
    events = [
        {"leptons": electrons_first},
        {"leptons": EEMM, "trigE": False, "trigM": False},
        {"leptons": EEMM, "matched": [False] * 4},
        {"leptons": [_lepton(19.0, 0.3, 0.1, 1, 11), *_softer(EEMM[1:], 18.0)]},  # leading below 20 GeV
        {"leptons": [*EEMM, _lepton(8.0, 0.0, 0.0, 1, 13)]},  # not exactly four
        {"leptons": [EEMM[0], *_softer(EEMM[1:], 14.0)]},  # second below 15 GeV
        {"leptons": [EEMM[0], EEMM[1], *_softer(EEMM[2:], 9.0)]},  # third below 10 GeV
        {"leptons": EEMM, "ptcone": [0.0, 0.0, 0.0, 1.9]},  # 1.9 GeV > 15 % of the 12 GeV lepton
        {"leptons": EEMM, "etcone": [0.0, 6.1, 0.0, 0.0]},  # 6.1 GeV > 20 % of the 30 GeV lepton
        {"leptons": EEMM, "ptcone": [6.7, 0.0, 0.0, 1.7], "etcone": [8.9, 5.9, -1.0, 2.3]},  # just isolated
    ]
    mass, passes = hzz4l_notebook_2025(_leptons(events))
    assert passes.tolist() == [True, False, False, False, False, False, False, False, False, True]
    assert mass[0] == pytest.approx(_mass([lep[:4] for lep in EEMM]), rel=1e-5)


def _photons(events: list[list[tuple[float, float, float, bool, float]]]) -> ntuple.Columns:
    """Photons as (pt GeV, eta, phi, tight, etcone20 GeV)."""
    values = {
        "photon_pt": ak.Array([[p[0] * GEV for p in ev] for ev in events]),
        "photon_eta": ak.Array([[p[1] for p in ev] for ev in events]),
        "photon_phi": ak.Array([[p[2] for p in ev] for ev in events]),
        "photon_E": ak.Array([[p[0] * math.cosh(p[1]) * GEV for p in ev] for ev in events]),
        "photon_isTightID": ak.Array([[p[3] for p in ev] for ev in events]),
        "photon_etcone20": ak.Array([[p[4] * GEV for p in ev] for ev in events]),
        "eventNumber": np.arange(len(events)),
    }
    return ntuple.Columns(values)


def test_the_2020_diphoton_cuts() -> None:
    good = [(62.0, 0.4, 0.0, True, 1.0), (55.0, -0.9, 3.0, True, -0.5)]
    events = [
        good,
        [good[0], (55.0, -0.9, 3.0, False, -0.5)],  # not tight
        [good[0], (29.0, -0.9, 3.0, True, -0.5)],  # subleading below 30 GeV
        [(39.0, 0.4, 0.0, True, 1.0), good[1]],  # leading below 40 GeV
        [good[0], (55.0, -1.45, 3.0, True, -0.5)],  # in the crack
        [good[0], (55.0, -0.9, 3.0, True, 4.5)],  # not isolated
        [good[0]],  # one photon
        [],  # none
        [*good, (31.0, 0.0, 1.0, False, 50.0)],  # a third photon does not matter
    ]
    mass, passes = hyy_notebook_2020(_photons(events))
    assert passes.tolist() == [True, False, False, False, False, False, False, False, True]
    expected = _mass([_massless(p[0], p[1], p[2]) for p in good])
    assert mass[0] == pytest.approx(expected, rel=1e-5)
    assert np.isfinite(mass).all()


def test_weights_keep_negative_generator_weights_and_use_every_factor() -> None:
    columns = ntuple.Columns(
        {
            "eventNumber": np.arange(3),
            "mcWeight": np.array([1.0, -1.0, 2.0]),
            "XSection": np.full(3, 0.5),
            "SumWeights": np.full(3, 4.0),
            "scaleFactor_PILEUP": np.array([1.0, 1.0, 0.0]),
            "scaleFactor_ELE": np.array([0.9, 1.1, 1.0]),
        }
    )
    weights = expected_weights(columns, 2.0, ("scaleFactor_PILEUP", "scaleFactor_ELE"))
    # lumi 2 fb^-1 = 2000 pb^-1: 2000 * 0.5 / 4 = 250 per unit weight
    assert weights.tolist() == pytest.approx([225.0, -275.0, 0.0])


def test_every_target_names_its_source_and_a_tolerance() -> None:
    sums = [t for t in TARGETS if t.measure == "sum"]
    assert {t.quantity for t in sums} <= {"signal", "background", "signal + background"}
    assert {t.measure for t in TARGETS} == {"sum", "fall"}
    for target in TARGETS:
        assert target.source and 0 < target.tolerance < 1 and target.window_gev[0] < target.window_gev[1]


def test_the_real_4lep_reference_is_the_shared_file(real_4lep_file: Path) -> None:
    """The 4lep target's reference counts the real period-A file: 39 triggered four-lepton events."""
    target = next(t for t in TARGETS if t.selection is four_lepton_skim)
    columns = ntuple.read(real_4lep_file)
    _, passes = four_lepton_skim(columns)
    assert len(columns) == passes.sum() == target.reference
    assert (columns.values["lep_n"] >= 4).all() and (columns.values["trigE"] | columns.values["trigM"]).all()
