"""Detector-response formulas against hand-computed cases and brute-force references, with edge cases."""

from __future__ import annotations

import copy
import math
from typing import Any

import awkward as ak
import numpy as np
import pytest
from higgshunt.generation import detector, jets
from higgshunt.generation.flat import Flat
from higgshunt.generation.isolation import cone_sum_flat, delta_phi
from higgshunt.generation.pythia_events import TruthBatch

FIELDS = ("index", "id", "charge", "px", "py", "pz", "e", "pt", "eta", "phi", "vx", "vy", "vz", "from_hadron")


def particle(
    index: int,
    pid: int,
    charge: float,
    pt: float,
    eta: float,
    phi: float,
    *,
    mass: float = 0.0,
    vertex: tuple[float, float, float] = (0.0, 0.0, 0.0),
    from_hadron: bool = False,
) -> dict[str, Any]:
    px, py, pz = pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta)
    return {
        "index": index,
        "id": pid,
        "charge": charge,
        "px": px,
        "py": py,
        "pz": pz,
        "e": math.sqrt(px**2 + py**2 + pz**2 + mass**2),
        "pt": pt,
        "eta": eta,
        "phi": phi,
        "vx": vertex[0],
        "vy": vertex[1],
        "vz": vertex[2],
        "from_hadron": from_hadron,
    }


def batch(events: list[list[dict[str, Any]]]) -> TruthBatch:
    empty_record = particle(0, 0, 0.0, 1.0, 0.0, 0.0)
    parts = ak.Array(events + [[empty_record]])[:-1]  # the extra event fixes the record type for empty lists
    hadron = {"pt": 0.0, "eta": 0.0, "phi": 0.0, "flavour": 5}
    hadrons = ak.Array([[hadron] for _ in events] + [[hadron]])[:-1]
    hadrons = hadrons[hadrons.pt > 1.0]
    n = len(events)
    return TruthBatch(parts, hadrons, np.ones(n), np.arange(n), n)


@pytest.fixture
def perfect(samples_config: Any) -> dict[str, Any]:
    """The shipped detector config with every resolution and inefficiency switched off."""
    config = copy.deepcopy(samples_config.detector)
    for kind in ("electrons", "photons"):
        config[kind]["energy_resolution"] = {
            "stochastic_barrel": 0.0,
            "stochastic_endcap": 0.0,
            "noise_gev": 0.0,
            "constant": 0.0,
        }
    for kind in ("electrons", "muons", "photons"):
        config[kind]["efficiency"] = {"pt_edges_gev": [0.0], "values": [1.0]}
        config[kind]["non_prompt_efficiency_factor"] = 1.0
    config["muons"]["central_gap"]["efficiency_factor"] = 1.0
    config["tracks"].update(
        d0_constant_mm=1e-6,
        d0_multiple_scattering_mm_gev=0.0,
        z0_constant_mm=1e-6,
        z0_multiple_scattering_mm_gev=0.0,
    )
    config["muons"]["momentum_resolution"].update(
        p0_barrel=0.0, p1_barrel_per_gev=0.0, p0_endcap=0.0, p1_endcap_per_gev=0.0
    )
    config["isolation"]["etcone_noise_gev"] = 0.0
    config["met"]["soft_term_resolution_gev"] = 0.0
    config["jets"]["energy_resolution"] = {"noise_gev": 0.0, "stochastic": 0.0, "constant": 0.0}
    return config


def test_resolution_formulas_hand_computed() -> None:
    calo = {"stochastic_barrel": 0.10, "stochastic_endcap": 0.15, "noise_gev": 0.25, "constant": 0.007}
    # barrel: sqrt(0.10^2/100 + (0.25/100)^2 + 0.007^2)
    assert detector.calorimeter_resolution(100.0, 0.5, calo) == pytest.approx(
        math.sqrt(1e-4 + 6.25e-6 + 4.9e-5)
    )
    # endcap: stochastic term 0.15
    assert detector.calorimeter_resolution(100.0, -2.0, calo) == pytest.approx(
        math.sqrt(2.25e-4 + 6.25e-6 + 4.9e-5)
    )
    muon = {
        "barrel_abs_eta_max": 1.05,
        "p0_barrel": 0.016,
        "p1_barrel_per_gev": 0.00015,
        "p0_endcap": 0.023,
        "p1_endcap_per_gev": 0.00025,
    }
    assert detector.muon_resolution(50.0, 0.3, muon) == pytest.approx(math.hypot(0.016, 0.00015 * 50))
    assert detector.muon_resolution(50.0, -2.0, muon) == pytest.approx(math.hypot(0.023, 0.00025 * 50))


def test_efficiency_table_edges() -> None:
    table = {"pt_edges_gev": [7.0, 10.0, 20.0], "values": [0.5, 0.8, 0.9]}
    pt = ak.Array([[6.99, 7.0, 9.99], [], [10.0, 19.9, 20.0, 1e4]])
    assert detector.efficiency(pt, table).tolist() == [[0.0, 0.5, 0.5], [], [0.8, 0.8, 0.9, 0.9]]


def test_delta_phi_wraps() -> None:
    values = delta_phi(np.array([3.1, -3.1, 0.2]), np.array([-3.1, 3.1, 0.1]))
    assert values == pytest.approx([3.1 + 3.1 - 2 * math.pi, -(3.1 + 3.1 - 2 * math.pi), 0.1])


def test_cone_sum_matches_brute_force_loop() -> None:
    rng = np.random.default_rng(7)
    events_o, events_p = [], []
    for n_obj, n_part in [(2, 30), (0, 10), (1, 0), (3, 50)]:
        events_o.append(
            [{"index": i, "eta": rng.uniform(-2, 2), "phi": rng.uniform(-3, 3)} for i in range(n_obj)]
        )
        events_p.append(
            [
                {
                    "index": i,
                    "eta": rng.uniform(-2.5, 2.5),
                    "phi": rng.uniform(-math.pi, math.pi),
                    "pt": rng.exponential(3.0),
                }
                for i in range(n_part)
            ]
        )
    record_o = {"index": 0, "eta": 0.0, "phi": 0.0}
    record_p = {"index": 0, "eta": 0.0, "phi": 0.0, "pt": 0.0}
    objects = ak.Array(events_o + [[record_o]])[:-1]
    particles = ak.Array(events_p + [[record_p]])[:-1]
    first = Flat.from_awkward(objects, ("eta", "phi", "index"))
    second = Flat.from_awkward(particles, ("eta", "phi", "index", "pt"))
    result = first.jagged(cone_sum_flat(first, second, "pt", 0.3, r_min=0.01)).tolist()
    for objs, parts, got in zip(events_o, events_p, result, strict=True):
        expected = []
        for o in objs:
            total = 0.0
            for p in parts:
                dphi = (o["phi"] - p["phi"] + math.pi) % (2 * math.pi) - math.pi
                dr = math.hypot(o["eta"] - p["eta"], dphi)
                if 0.01 <= dr < 0.3 and p["index"] != o["index"]:
                    total += p["pt"]
            expected.append(total)
        assert got == pytest.approx(expected)


def test_perfect_detector_event(perfect: dict[str, Any]) -> None:
    # A prompt muon (50 GeV along x), an electron with a collinear FSR photon (cluster), a displaced electron
    # from
    # a b decay with a charged pion next to it, and a neutrino (invisible: not in the batch).
    event = [
        particle(0, 13, -1, 50.0, 0.0, 0.0, mass=0.1056583755),
        particle(1, 11, -1, 40.0, 1.0, 2.0),
        particle(2, 22, 0, 5.0, 1.02, 2.02),
        particle(3, -11, 1, 20.0, -0.5, -2.0, vertex=(0.0, 1.0, 3.0), from_hadron=True),
        particle(4, 211, 1, 3.0, -0.6, -2.1),
    ]
    rng = np.random.default_rng(1)
    result = detector.simulate(batch([event, []]), perfect, rng)
    leptons = result["leptons"]
    assert ak.num(leptons).tolist() == [3, 0]
    lep = leptons[0]
    electron_pt = 40.0 + 5.0 * math.cosh(1.02) / math.cosh(1.0)  # cluster energy (electron + FSR photon)
    assert lep.pt.tolist() == pytest.approx([50.0, electron_pt, 20.0], rel=1e-6)
    assert lep.kind.tolist() == [13, 11, 11]
    assert lep.charge.tolist() == [-1, -1, 1]
    assert lep.truth_matched.tolist() == [True, True, False]
    # isolation: the pion (3 GeV, dR = 0.141) is inside both cones of the displaced electron only
    assert lep.ptcone30.tolist() == pytest.approx([0.0, 0.0, 3.0])
    assert lep.etcone20.tolist() == pytest.approx([0.0, 0.0, 3.0])
    # d0 of a straight track from (0, 1, 3) mm with phi = -2: (x py - y px) / pt = -cos(-2) mm
    assert lep.d0[2] == pytest.approx(-math.cos(-2.0), abs=1e-5)
    assert lep.d0_sig[2] > 1e5
    # z0 at the point of closest approach: z_vertex - pz/pt * (x px + y py)/pt
    assert lep.z0[2] == pytest.approx(3.0 - math.sinh(-0.5) * math.sin(-2.0), abs=1e-5)
    assert lep.z0[0] == pytest.approx(0.0, abs=1e-5)
    # missing E_T balances the visible objects exactly without resolution
    visible_x = 50.0 + electron_pt * math.cos(2.0) + 20.0 * math.cos(-2.0) + 3.0 * math.cos(-2.1)
    visible_y = electron_pt * math.sin(2.0) + 20.0 * math.sin(-2.0) + 3.0 * math.sin(-2.1)
    assert result["met_et"][0] == pytest.approx(math.hypot(visible_x, visible_y), rel=1e-6)
    assert result["met_et"][1] == 0.0


def test_empty_batch(perfect: dict[str, Any]) -> None:
    result = detector.simulate(batch([]), perfect, np.random.default_rng(1))
    assert len(result["leptons"]) == 0 and len(result["met_et"]) == 0


def test_btag_score_rates() -> None:
    rng = np.random.default_rng(2)
    n = 200_000
    flavour = np.repeat(np.array([5, 4, 0], dtype=np.int32), n)
    config = {
        "working_point_cut": 0.6459,
        "efficiency_b": 0.77,
        "efficiency_c": 0.16,
        "efficiency_light": 0.0088,
    }
    score = jets._btag_score(flavour, config, rng)
    for label, expected in ((5, 0.77), (4, 0.16), (0, 0.0088)):
        rate = np.mean(score[flavour == label] > 0.6459)
        assert rate == pytest.approx(expected, abs=5 * math.sqrt(expected * (1 - expected) / n))


def test_anti_kt_merges_collinear_and_separates_distant() -> None:
    parts = ak.Array(
        [
            [
                {"px": 30.0, "py": 0.0, "pz": 0.0, "e": 30.0},
                {"px": 20.0 * math.cos(0.2), "py": 20.0 * math.sin(0.2), "pz": 0.0, "e": 20.0},
                {"px": -25.0, "py": 0.0, "pz": 0.0, "e": 25.0},
            ]
        ]
    )
    found, pt = jets.cluster(parts, 0.4)
    assert sorted(ak.to_list(pt[0]), reverse=True) == pytest.approx(
        [math.hypot(30 + 20 * math.cos(0.2), 20 * math.sin(0.2)), 25.0]
    )
