"""candidates.hpp through the numpy module, against brute-force Python pairings and hand-built events."""

from __future__ import annotations

import itertools
import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from cpp_helpers_events import Events, random_events

Z_MASS = 91187.6
RTOL = 1e-5


def four_momenta(ev: Events, event: int) -> np.ndarray:
    """(n, 4) px, py, pz, E of one event in float64."""
    sl = slice(ev.offsets[event], ev.offsets[event + 1])
    pt, eta, phi, e = (getattr(ev, name)[sl].astype(np.float64) for name in ("pt", "eta", "phi", "e"))
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), e], axis=1)


def mass(p: np.ndarray) -> float:
    m2 = p[3] ** 2 - p[0] ** 2 - p[1] ** 2 - p[2] ** 2
    return math.copysign(math.sqrt(abs(m2)), m2)


def sfos_pairs(ev: Events, event: int, n: int) -> list[tuple[int, int]]:
    """Same-flavour opposite-charge pairs among the first n leptons, ordered (0,1), (0,2), .., (1,2), .."""
    b = ev.offsets[event]
    return [
        (i, j)
        for i, j in itertools.combinations(range(n), 2)
        if ev.type[b + i] == ev.type[b + j] and ev.charge[b + i] * ev.charge[b + j] < 0
    ]


def brute_force_four(ev: Events, event: int) -> dict[str, Any] | None:
    """Every pair of disjoint SFOS pairs, ranked by (|m12 - mZ|, Z1 order, |m34 - mZ|, Z2 order)."""
    p = four_momenta(ev, event)
    pairs = sfos_pairs(ev, event, len(p))
    options = []
    for (o1, z1), (o2, z2) in itertools.permutations(enumerate(pairs), 2):
        if set(z1) & set(z2):
            continue
        m12, m34 = mass(p[z1[0]] + p[z1[1]]), mass(p[z2[0]] + p[z2[1]])
        options.append(((abs(m12 - Z_MASS), o1, abs(m34 - Z_MASS), o2), z1, z2, m12, m34))
    if not options:
        return None
    _, z1, z2, m12, m34 = min(options, key=lambda option: option[0])
    return {"i": (*z1, *z2), "m12": m12, "m34": m34, "m4l": mass(p[[*z1, *z2]].sum(axis=0))}


def test_four_lepton_pairing_matches_brute_force(core: ModuleType) -> None:
    ev = random_events(n_events=3000, max_objects=7, seed=5)
    got = core.build_four_lepton_candidates(ev.pt, ev.eta, ev.phi, ev.e, ev.charge, ev.type, ev.offsets)
    n_valid = 0
    for event in range(ev.offsets.size - 1):
        expected = brute_force_four(ev, event)
        assert bool(got["valid"][event]) is (expected is not None), event
        if expected is None:
            assert np.isnan([got[k][event] for k in ("m12", "m34", "m4l")]).all()
            assert [got[k][event] for k in ("i1", "i2", "i3", "i4")] == [-1] * 4
            continue
        n_valid += 1
        assert tuple(got[k][event] for k in ("i1", "i2", "i3", "i4")) == expected["i"], event
        for key in ("m12", "m34", "m4l"):
            assert got[key][event] == pytest.approx(expected[key], rel=RTOL), (event, key)
    counts = np.diff(ev.offsets)
    assert (
        n_valid > 500 and (counts > 4).sum() > 1000
    )  # many valid candidates, many from more than four leptons


def brute_force_three(ev: Events, event: int, met: float, met_phi: float) -> dict[str, Any]:
    b, n = ev.offsets[event], ev.offsets[event + 1] - ev.offsets[event]
    if n < 3 or any(ev.type[b + i] not in (11, 13) for i in range(3)):
        return {"valid": False}
    p = four_momenta(ev, event)[:3]
    n_muons = sum(int(ev.type[b + i] == 13) for i in range(3))
    out: dict[str, Any] = {
        "valid": True,
        "n_muons": n_muons,
        "flavour_code": n_muons,
        "m3l": mass(p.sum(axis=0)),
    }
    pairs = sfos_pairs(ev, event, 3)
    if not pairs:
        return {**out, "has_z": False, "z": (-1, -1, -1)}
    z = min(pairs, key=lambda ij: abs(mass(p[ij[0]] + p[ij[1]]) - Z_MASS))
    w = ({0, 1, 2} - set(z)).pop()
    dphi = float(ev.phi[b + w]) - met_phi
    mt = math.sqrt(2 * float(ev.pt[b + w]) * met * (1 - math.cos(dphi)))
    return {**out, "has_z": True, "z": (*z, w), "m_z": mass(p[z[0]] + p[z[1]]), "mt_w": mt}


def test_three_lepton_candidates_match_brute_force(core: ModuleType) -> None:
    ev = random_events(n_events=3000, max_objects=4, seed=9)
    rng = np.random.default_rng(1)
    met = rng.uniform(0, 1e5, 3000).astype(np.float32)
    met_phi = rng.uniform(-np.pi, np.pi, 3000).astype(np.float32)
    got = core.build_three_lepton_candidates(
        ev.pt, ev.eta, ev.phi, ev.e, ev.charge, ev.type, met, met_phi, ev.offsets
    )
    seen = set()
    for event in range(3000):
        exp = brute_force_three(ev, event, float(met[event]), float(met_phi[event]))
        assert bool(got["valid"][event]) is exp["valid"]
        if not exp["valid"]:
            assert (
                got["n_muons"][event] == -1
                and got["flavour_code"][event] == -1
                and np.isnan(got["m3l"][event])
            )
            continue
        seen.add((exp["flavour_code"], exp["has_z"]))
        assert got["n_muons"][event] == exp["n_muons"] and got["flavour_code"][event] == exp["flavour_code"]
        assert got["m3l"][event] == pytest.approx(exp["m3l"], rel=RTOL)
        assert bool(got["has_z"][event]) is exp["has_z"]
        assert (got["z_i1"][event], got["z_i2"][event], got["w_i"][event]) == exp["z"]
        if exp["has_z"]:
            assert got["m_z"][event] == pytest.approx(exp["m_z"], rel=RTOL)
            assert got["mt_w"][event] == pytest.approx(exp["mt_w"], rel=RTOL, abs=1e-2)
        else:
            assert np.isnan(got["m_z"][event]) and np.isnan(got["mt_w"][event])
    assert seen == {(code, has_z) for code in range(4) for has_z in (True, False)}


# ---- hand-built events ---------------------------------------------------------------------------


def lepton(pt: float, eta: float, phi: float, charge: int, flavour: int) -> dict[str, Any]:
    return {"pt": pt, "eta": eta, "phi": phi, "e": pt * math.cosh(eta), "charge": charge, "type": flavour}


def event_arrays(leptons: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    dtypes = {"charge": np.int32, "type": np.uint32}
    cols = {
        k: np.array([lep[k] for lep in leptons], dtype=dtypes.get(k, np.float32))
        for k in ("pt", "eta", "phi", "e", "charge", "type")
    }
    return {**cols, "offsets": np.array([0, len(leptons)], dtype=np.int64)}


def four(core: ModuleType, leptons: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: v[0].item() for k, v in core.build_four_lepton_candidates(**event_arrays(leptons)).items()}


E_PLUS, E_MINUS = lepton(45.6e3, 0, 0, +1, 11), lepton(45.6e3, 0, math.pi, -1, 11)
MU_PLUS, MU_MINUS = lepton(15e3, 0, math.pi / 2, +1, 13), lepton(15e3, 0, -math.pi / 2, -1, 13)


def test_hand_built_zz_event(core: ModuleType) -> None:
    # ee back to back (91.2 GeV) and mumu back to back (30 GeV): m4l = total energy = 121.2 GeV.
    c = four(core, [MU_PLUS, E_PLUS, MU_MINUS, E_MINUS])
    assert c["valid"] and (c["i1"], c["i2"], c["i3"], c["i4"]) == (1, 3, 0, 2)
    assert (c["m12"], c["m34"], c["m4l"]) == pytest.approx((91.2e3, 30e3, 121.2e3), rel=1e-6)


@pytest.mark.parametrize(
    "leptons",
    [
        [E_PLUS, E_MINUS, MU_PLUS],  # fewer than four
        [E_PLUS, {**E_MINUS, "charge": 1}, MU_PLUS, {**MU_MINUS, "charge": 1}],  # all the same charge
        [E_PLUS, {**E_MINUS, "charge": 1}, {**MU_PLUS, "charge": -1}, MU_MINUS],  # no SFOS pair: e+e+ mu-mu-
        [E_PLUS, E_MINUS, MU_PLUS, {**MU_MINUS, "charge": 1}],  # only one SFOS pair
        [E_PLUS, E_MINUS, {**MU_PLUS, "type": 15}, {**MU_MINUS, "type": 11}],  # mixed flavours
        [E_PLUS, E_MINUS, MU_PLUS, {**MU_MINUS, "charge": 0}],  # neutral: never opposite
    ],
)
def test_no_two_disjoint_sfos_pairs_is_invalid(core: ModuleType, leptons: list[dict[str, Any]]) -> None:
    c = four(core, leptons)
    assert not c["valid"] and math.isnan(c["m4l"]) and c["i1"] == -1


def test_empty_event_is_invalid(core: ModuleType) -> None:
    c = four(core, [])
    assert not c["valid"] and math.isnan(c["m12"]) and c["i4"] == -1


def test_one_flavour_with_both_charges_twice_is_valid(core: ModuleType) -> None:
    soft_plus, soft_minus = {**MU_PLUS, "type": 11}, {**MU_MINUS, "type": 11}
    c = four(core, [soft_plus, E_PLUS, soft_minus, E_MINUS])
    assert c["valid"] and (c["i1"], c["i2"], c["i3"], c["i4"]) == (1, 3, 0, 2)


def test_more_than_four_leptons_and_nan(core: ModuleType) -> None:
    # Six leptons: the extra electron offers a competing Z1 (2, 5) that loses to (2, 4); the NaN electron
    # would pair with E_PLUS but a NaN mass is never chosen.
    extra = lepton(30e3, 1.0, 2.0, -1, 11)
    nan = {**lepton(45.6e3, 0, math.pi, -1, 11), "pt": math.nan}
    c = four(core, [nan, MU_PLUS, E_PLUS, MU_MINUS, E_MINUS, extra])
    assert c["valid"] and (c["i1"], c["i2"], c["i3"], c["i4"]) == (2, 4, 1, 3)


def three(
    core: ModuleType, leptons: list[dict[str, Any]], met: float = 40e3, met_phi: float = 0.0
) -> dict[str, Any]:
    arrays = event_arrays(leptons)
    got = core.build_three_lepton_candidates(**arrays, met=np.array([met]), met_phi=np.array([met_phi]))
    return {k: v[0].item() for k, v in got.items()}


def test_hand_built_wz_event(core: ModuleType) -> None:
    w_muon = lepton(40e3, 0.3, math.pi, +1, 13)
    c = three(core, [w_muon, E_MINUS, E_PLUS])
    assert c["valid"] and c["flavour_code"] == 1 and c["n_muons"] == 1 and c["has_z"]
    assert (c["z_i1"], c["z_i2"], c["w_i"]) == (1, 2, 0)
    assert c["m_z"] == pytest.approx(91.2e3, rel=1e-6)
    assert c["mt_w"] == pytest.approx(80e3, rel=1e-6)  # back to back with met of equal size: 2 pt


def test_three_leptons_without_sfos_pair(core: ModuleType) -> None:
    c = three(core, [E_PLUS, {**E_MINUS, "charge": 1}, MU_MINUS])
    assert c["valid"] and not c["has_z"] and c["flavour_code"] == 1
    assert (c["z_i1"], c["z_i2"], c["w_i"]) == (-1, -1, -1) and math.isnan(c["m_z"]) and math.isnan(c["mt_w"])
    assert math.isfinite(c["m3l"])


@pytest.mark.parametrize("leptons", [[E_PLUS, E_MINUS], [E_PLUS, E_MINUS, {**MU_PLUS, "type": 15}]])
def test_three_lepton_invalid_inputs(core: ModuleType, leptons: list[dict[str, Any]]) -> None:
    c = three(core, leptons)
    assert not c["valid"] and c["flavour_code"] == -1 and math.isnan(c["m3l"]) and c["w_i"] == -1


def test_only_the_first_three_leptons_count(core: ModuleType) -> None:
    c = three(core, [MU_PLUS, MU_MINUS, E_PLUS, E_MINUS])
    assert c["flavour_code"] == 2 and (c["z_i1"], c["z_i2"], c["w_i"]) == (0, 1, 2)


def test_mismatched_sizes_raise_naming_the_column(core: ModuleType) -> None:
    arrays = event_arrays([E_PLUS, E_MINUS, MU_PLUS, MU_MINUS])
    arrays["charge"] = arrays["charge"][:3]
    with pytest.raises(ValueError, match="charge: 3 values, but the offsets describe 4"):
        core.build_four_lepton_candidates(**arrays)
    with pytest.raises(ValueError, match="met: expected a 1-d array of 1 events, got 2 values"):
        core.build_three_lepton_candidates(**event_arrays([E_PLUS]), met=np.zeros(2), met_phi=np.zeros(1))
