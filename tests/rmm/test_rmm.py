"""The Rapidity-Mass Matrix (C++, through its numpy binding) against an independent loop implementation."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import vector
from higgshunt.native import core

SQRT_S_MEV = 13.0e6
C = 0.15
Floats = np.ndarray | Sequence[float]
Ints = np.ndarray | Sequence[int]
LAYOUTS = {"T4N5": [5, 5, 5, 5], "T5N10": [10] * 5, "T1N1": [1], "uneven": [2, 4, 1]}


@pytest.fixture(scope="module")
def native() -> ModuleType:
    return core()


# ---- an independent reference: one event at a time, plain loops, float64 -----------------------------------
def reference_rmm(
    pt: Floats,
    eta: Floats,
    phi: Floats,
    e: Floats,
    types: Ints,
    met: float,
    met_phi: float,
    slots: list[int],
    sqrt_s: float = SQRT_S_MEV,
    c: float = C,
) -> np.ndarray:
    """The RMM of one event, following Chekanov NIM A 931 (2019) 92 and Map2RMM cell by cell."""
    size = 1 + sum(slots)
    matrix = np.zeros((size, size))
    values = [float(v) for v in (*pt, *eta, *phi, *e, met, met_phi)]
    if not all(math.isfinite(v) for v in values) or min([met, *pt, *e], default=0.0) < 0:
        return np.full(size * size, np.nan)

    rows: dict[int, dict[str, float]] = {}
    leading_rows = []
    row = 1
    for t, n_slots in enumerate(slots):
        members = sorted((i for i in range(len(pt)) if types[i] == t), key=lambda i: -float(pt[i]))
        leading_rows.append(row)
        for k, i in enumerate(members[:n_slots]):
            rows[row + k] = _kinematics(float(pt[i]), float(eta[i]), float(phi[i]), float(e[i]))
        row += n_slots

    met, met_phi = float(met), float(met_phi)
    met_x, met_y = met * math.cos(met_phi), met * math.sin(met_phi)
    matrix[0, 0] = met / sqrt_s
    for r, o in rows.items():
        if met > 0:  # m_T^2 = (E_T + MET)^2 - |pT + MET|^2 written as m^2 pT^2/p^2 + 2 (E_T MET - pT.MET)
            mt2 = o["m2"] * o["pt"] ** 2 / max(o["p"] ** 2, 1e-300) + 2 * (
                o["et"] * met - o["px"] * met_x - o["py"] * met_y
            )
            matrix[0, r] = math.sqrt(max(mt2, 0.0)) / sqrt_s
        matrix[r, 0] = c * (math.cosh(o["y"]) - 1)
        if r in leading_rows:
            matrix[r, r] = o["et"] / sqrt_s
        else:
            previous = rows[r - 1]["et"]
            total = previous + o["et"]
            matrix[r, r] = (previous - o["et"]) / total if total > 0 else 0.0
        for q, p in rows.items():
            if q <= r:
                continue
            dot = o["e"] * p["e"] - o["px"] * p["px"] - o["py"] * p["py"] - o["pz"] * p["pz"]
            matrix[r, q] = math.sqrt(max(o["m2"] + p["m2"] + 2 * dot, 0.0)) / sqrt_s
            matrix[q, r] = c * (math.cosh((o["y"] - p["y"]) / 2) - 1)
    return matrix.ravel()


def _kinematics(pt: float, eta: float, phi: float, e: float) -> dict[str, float]:
    px, py, pz = pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta)
    p = math.sqrt(px * px + py * py + pz * pz)
    y = 0.5 * math.log((e + pz) / (e - pz)) if e > abs(pz) else eta
    return {
        "pt": pt,
        "px": px,
        "py": py,
        "pz": pz,
        "e": e,
        "p": p,
        "m2": e * e - p * p,
        "et": e * pt / p if pt > 0 else 0.0,
        "y": y,
    }


# ---- random events -----------------------------------------------------------------------------------------
def random_events(rng: np.random.Generator, n_events: int, slots: list[int]) -> dict[str, np.ndarray]:
    """Jagged random events in MeV: empty events, fewer and more objects than slots, massless and massive
    objects, pT = 0 objects, forward rapidities, MET = 0 in a fifth of the events."""
    n_types = len(slots)
    counts = np.stack([rng.integers(0, n + 4, size=n_events) for n in slots], axis=1)
    counts[rng.random(n_events) < 0.05] = 0
    n_objects = counts.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(n_objects)]).astype(np.int64)
    n_flat = int(offsets[-1])
    types = np.concatenate([rng.permutation(np.repeat(np.arange(n_types), c)) for c in counts])
    types = types.astype(np.int32)
    pt = rng.exponential(40e3, n_flat) + 5e3
    pt[rng.random(n_flat) < 0.01] = 0.0
    eta = rng.uniform(-4.5, 4.5, n_flat)
    mass = np.where(rng.random(n_flat) < 0.5, 0.0, rng.uniform(0.0, 30e3, n_flat))
    energy = np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2)
    met = rng.exponential(40e3, n_events)
    met[rng.random(n_events) < 0.2] = 0.0
    return {
        "pt": pt.astype(np.float32),
        "eta": eta.astype(np.float32),
        "phi": rng.uniform(-np.pi, np.pi, n_flat).astype(np.float32),
        "e": energy.astype(np.float32),
        "type": types,
        "offsets": offsets,
        "met": met.astype(np.float32),
        "met_phi": rng.uniform(-np.pi, np.pi, n_events).astype(np.float32),
    }


def run(native: ModuleType, ev: dict[str, np.ndarray], slots: list[int], **kwargs: float) -> np.ndarray:
    return native.rmm(
        ev["pt"],
        ev["eta"],
        ev["phi"],
        ev["e"],
        ev["type"],
        ev["offsets"],
        ev["met"],
        ev["met_phi"],
        slots,
        **kwargs,
    )


Event = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]


def event(ev: dict[str, np.ndarray], i: int) -> Event:
    b, end = ev["offsets"][i], ev["offsets"][i + 1]
    pt, eta, phi, e, types = (ev[k][b:end] for k in ("pt", "eta", "phi", "e", "type"))
    return pt, eta, phi, e, types, float(ev["met"][i]), float(ev["met_phi"][i])


def single(
    pt: Floats, eta: Floats, phi: Floats, e: Floats, types: Ints, met: float, met_phi: float
) -> dict[str, np.ndarray]:
    """One event in the binding's jagged form."""
    return {
        "pt": np.asarray(pt, np.float32),
        "eta": np.asarray(eta, np.float32),
        "phi": np.asarray(phi, np.float32),
        "e": np.asarray(e, np.float32),
        "type": np.asarray(types, np.int32),
        "offsets": np.array([0, len(pt)], np.int64),
        "met": np.array([met], np.float32),
        "met_phi": np.array([met_phi], np.float32),
    }


# ---- agreement with the reference --------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_agrees_with_loop_reference_on_random_events(native: ModuleType, layout: str) -> None:
    slots = LAYOUTS[layout]
    rng = np.random.default_rng(20240601 + len(slots))
    n_events = 2000 if layout != "T5N10" else 600
    ev = random_events(rng, n_events, slots)
    got = run(native, ev, slots)
    size = 1 + sum(slots)
    assert got.shape == (n_events, size * size) and got.dtype == np.float32
    expected = np.stack([reference_rmm(*event(ev, i), slots) for i in range(n_events)])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9)
    # The sample really covers the edge cases it is meant to.
    n_objects = np.diff(ev["offsets"])
    assert (n_objects == 0).any() and (ev["met"] == 0).any()
    per_type_max = [
        np.bincount(ev["type"][b:e], minlength=len(slots)).max(initial=0)
        for b, e in zip(ev["offsets"][:-1], ev["offsets"][1:], strict=True)
    ]
    assert max(per_type_max) > max(slots) and min(per_type_max) < min(slots)


def test_mass_cells_times_sqrt_s_are_pair_masses_from_vector(native: ModuleType) -> None:
    slots = [4, 3, 2]
    ev = random_events(np.random.default_rng(7), 500, slots)
    got = run(native, ev, slots)
    size = 1 + sum(slots)
    first_row = np.cumsum([1, *slots[:-1]])
    pairs, cells = [], []
    for i in range(len(ev["met"])):
        b = ev["offsets"][i]
        pt, types = ev["pt"][b : ev["offsets"][i + 1]], ev["type"][b : ev["offsets"][i + 1]]
        row_of = {}
        for t, n_slots in enumerate(slots):
            members = np.flatnonzero(types == t)
            members = members[np.argsort(-pt[members], kind="stable")][:n_slots]
            row_of.update({first_row[t] + k: b + m for k, m in enumerate(members)})
        for r in row_of:
            for q in row_of:
                if r < q:
                    pairs.append((row_of[r], row_of[q]))
                    cells.append(i * size * size + r * size + q)
    first, second = (np.array(x) for x in zip(*pairs, strict=True))

    def vectors(index: np.ndarray) -> Any:
        return vector.array(
            {
                k: ev[src][index].astype(np.float64)
                for k, src in (("pt", "pt"), ("eta", "eta"), ("phi", "phi"), ("E", "e"))
            }
        )

    masses = (vectors(first) + vectors(second)).mass
    # float32 energies of nearly collinear massless pairs can make m^2 slightly negative: vector then returns
    # -sqrt(-m^2), the RMM clamps m^2 at 0.
    assert np.all(masses[masses < 0] > -200.0)
    assert len(cells) > 5000
    np.testing.assert_allclose(got.ravel()[cells] * SQRT_S_MEV, np.maximum(masses, 0.0), rtol=2e-5, atol=1e-3)


# ---- symmetries --------------------------------------------------------------------------------------------
def _permuted(
    ev: dict[str, np.ndarray], permutation_of: Callable[[np.ndarray], np.ndarray]
) -> dict[str, np.ndarray]:
    order = np.concatenate(
        [
            b + permutation_of(ev["type"][b:e])
            for b, e in zip(ev["offsets"][:-1], ev["offsets"][1:], strict=True)
        ]
    ).astype(int)
    return {**ev, **{k: ev[k][order] for k in ("pt", "eta", "phi", "e", "type")}}


def test_shuffling_objects_within_a_type_leaves_the_matrix_unchanged(native: ModuleType) -> None:
    slots, rng = [5, 5, 5, 5], np.random.default_rng(11)
    ev = random_events(rng, 1000, slots)

    def shuffle_within_types(types: np.ndarray) -> np.ndarray:
        order = np.arange(len(types))
        for t in np.unique(types):
            where = np.flatnonzero(types == t)
            order[where] = rng.permutation(where)
        return order

    shuffled = _permuted(ev, shuffle_within_types)
    np.testing.assert_array_equal(run(native, shuffled, slots), run(native, ev, slots))


def test_permuting_the_order_of_type_blocks_leaves_the_matrix_unchanged(native: ModuleType) -> None:
    slots, rng = [5, 5, 5, 5], np.random.default_rng(12)
    ev = random_events(rng, 1000, slots)

    def blocks_in_random_type_order(types: np.ndarray) -> np.ndarray:
        rank = rng.permutation(len(slots))
        return np.argsort(rank[types], kind="stable")  # keeps the order inside each type

    np.testing.assert_array_equal(
        run(native, _permuted(ev, blocks_in_random_type_order), slots), run(native, ev, slots)
    )


# ---- a case computed by hand -------------------------------------------------------------------------------
def test_two_jets_by_hand_every_cell(native: ModuleType) -> None:
    """j1: pT 100 GeV, eta 0, phi 0, massless. j2: pT 50 GeV, eta ln 2 (cosh 5/4, sinh 3/4), phi pi/2,
    massless, so |p2| = E2 = 62.5 GeV. MET 30 GeV at phi = pi. Three jet slots: the third stays empty.
    Units MeV."""
    ev = single([50e3, 100e3], [math.log(2), 0.0], [math.pi / 2, 0.0], [62.5e3, 100e3], [0, 0], 30e3, math.pi)
    got = run(native, ev, [3]).reshape(4, 4)
    s = 13e6
    expected = np.zeros((4, 4))
    expected[0, 0] = 30e3 / s
    # (E_T + MET)^2 - (px sum)^2 = 2 pT MET (1 - cos pi) = 12e9
    expected[0, 1] = math.sqrt(130e3**2 - 70e3**2) / s
    expected[0, 2] = math.sqrt(80e3**2 - 30e3**2 - 50e3**2) / s  # = sqrt(2 pT MET) = sqrt(3e9)
    expected[1, 0] = 0.0  # C (cosh 0 - 1)
    expected[2, 0] = 0.15 * (1.25 - 1)  # = 0.0375
    expected[1, 1] = 100e3 / s
    expected[2, 2] = (100e3 - 50e3) / (100e3 + 50e3)  # = 1/3; E_T(j2) = E pT / p = 50 GeV
    expected[1, 2] = math.sqrt(2 * 100e3 * 62.5e3) / s  # perpendicular massless momenta: m^2 = 2 E1 E2
    # cosh(ln2 / 2) = (sqrt2 + 1/sqrt2) / 2
    expected[2, 1] = 0.15 * ((math.sqrt(2) + 1 / math.sqrt(2)) / 2 - 1)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    assert got[2, 0] == pytest.approx(0.0375, rel=1e-6)  # C really is 0.15, not an integer 0
    assert np.isclose(expected[0, 1] * s, math.sqrt(12e9)) and np.isclose(expected[0, 2] * s, math.sqrt(3e9))


def test_c_scales_only_the_rapidity_cells(native: ModuleType) -> None:
    slots = [3, 2]
    ev = random_events(np.random.default_rng(3), 200, slots)
    size = 1 + sum(slots)
    rows, cols = np.indices((size, size))
    rapidity_cells = ((cols == 0) & (rows > 0)) | (rows > cols) & (cols > 0)
    default = run(native, ev, slots).reshape(-1, size, size)
    unit = run(native, ev, slots, c=1.0).reshape(-1, size, size)
    np.testing.assert_allclose(default[:, rapidity_cells], 0.15 * unit[:, rapidity_cells], rtol=1e-6)
    np.testing.assert_array_equal(default[:, ~rapidity_cells], unit[:, ~rapidity_cells])
    assert np.count_nonzero(default[:, rapidity_cells]) > 100


def test_sqrt_s_in_the_inputs_units_makes_the_matrix_unit_free(native: ModuleType) -> None:
    slots = [5, 5]
    ev = random_events(np.random.default_rng(5), 300, slots)
    # Scaling by a power of two is exact in floating point, so the matrices must be identical bit for bit.
    scaled = {**ev, **{k: ev[k] / np.float32(1024) for k in ("pt", "e", "met")}}
    np.testing.assert_array_equal(run(native, scaled, slots, sqrt_s=13e6 / 1024), run(native, ev, slots))
    # The same event in MeV with sqrt_s = 13e6 and in GeV with sqrt_s = 13e3.
    mev = single(
        [50e3, 100e3, 20e3], [0.5, -1.0, 2.0], [0.3, 2.0, -2.5], [60e3, 160e3, 80e3], [0, 0, 1], 30e3, 1.0
    )
    gev = {**mev, **{k: mev[k] / np.float32(1000) for k in ("pt", "e", "met")}}
    np.testing.assert_allclose(run(native, gev, [2, 2], sqrt_s=13e3), run(native, mev, [2, 2]), rtol=1e-5)


# ---- edge cases --------------------------------------------------------------------------------------------
def test_event_without_objects_has_only_met(native: ModuleType) -> None:
    got = run(native, single([], [], [], [], [], 26e3, 1.0), [2, 2]).reshape(5, 5)
    expected = np.zeros((5, 5))
    expected[0, 0] = 26e3 / 13e6
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_objects_beyond_the_slots_are_dropped_and_empty_slots_are_zero(native: ModuleType) -> None:
    pt = [10e3, 40e3, 30e3, 20e3, 25e3]
    ev_all = single(
        pt,
        [0.1, 0.2, -1.0, 2.0, 0.5],
        [0, 1, 2, 3, -1],
        [11e3, 41e3, 47e3, 76e3, 30e3],
        [0, 0, 0, 0, 1],
        5e3,
        0.3,
    )
    keep = [1, 2, 4]  # the two hardest of type 0 (40, 30 GeV) and the only object of type 1
    pt_k, eta_k, phi_k, e_k, type_k = (ev_all[k][keep] for k in ("pt", "eta", "phi", "e", "type"))
    ev_kept = single(pt_k, eta_k, phi_k, e_k, type_k, 5e3, 0.3)
    np.testing.assert_array_equal(run(native, ev_all, [2, 3]), run(native, ev_kept, [2, 3]))
    matrix = run(native, ev_all, [2, 3]).reshape(6, 6)
    assert np.all(matrix[4:, :] == 0) and np.all(matrix[:, 4:] == 0)  # type 1 slots 2 and 3 are empty
    assert np.all(matrix[:4, :4] != 0)


def test_zero_met_leaves_the_transverse_mass_row_empty(native: ModuleType) -> None:
    got = run(native, single([30e3, 20e3], [0.3, -0.4], [0.1, 2.0], [31e3, 22e3], [0, 0], 0.0, 1.2), [3])
    matrix = got.reshape(4, 4)
    assert np.all(matrix[0] == 0) and matrix[1, 0] > 0 and matrix[1, 1] > 0


def test_zero_pt_object_gives_finite_cells(native: ModuleType) -> None:
    matrix = run(native, single([0.0, 20e3], [0.0, 1.0], [0.0, 0.0], [5e3, 40e3], [0, 0], 3e3, 0.0), [2])
    matrix = matrix.reshape(3, 3)
    assert np.all(np.isfinite(matrix))
    assert matrix[2, 2] == pytest.approx(1.0)  # imbalance with E_T = 0: (E_T1 - 0) / (E_T1 + 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pt", np.nan),
        ("eta", np.inf),
        ("phi", np.nan),
        ("e", -np.inf),
        ("met", np.nan),
        ("met_phi", np.nan),
        ("pt", -1.0),
        ("e", -5.0),
        ("met", -1.0),
    ],
)
def test_invalid_values_give_an_all_nan_matrix_for_that_event_only(
    native: ModuleType, field: str, value: float
) -> None:
    ev = random_events(np.random.default_rng(1), 3, [2, 2])
    ev["offsets"] = np.array([0, 2, 4, 6], np.int64)
    ev = {**ev, **{k: ev[k][:6] for k in ("pt", "eta", "phi", "e", "type")}}
    clean = run(native, ev, [2, 2])
    position = 1 if field.startswith("met") else 3  # event 1 either way
    ev[field] = ev[field].copy()
    ev[field][position] = value
    got = run(native, ev, [2, 2])
    assert np.all(np.isnan(got[1]))
    np.testing.assert_array_equal(got[[0, 2]], clean[[0, 2]])


def test_mismatched_sizes_are_named(native: ModuleType) -> None:
    ev = single([1e3, 2e3], [0, 0], [0, 0], [1e3, 2e3], [0, 0], 0.0, 0.0)
    with pytest.raises(ValueError, match="rmm: eta has 1 values, expected 2"):
        run(native, {**ev, "eta": ev["eta"][:1]}, [2])
    with pytest.raises(ValueError, match="rmm: met has 2 values, expected 1"):
        run(native, {**ev, "met": np.zeros(2, np.float32)}, [2])
    with pytest.raises(ValueError, match="last offset 3 does not match the 2 flat values"):
        run(native, {**ev, "offsets": np.array([0, 3])}, [2])


@pytest.mark.parametrize("bad_type", [2, -1])
def test_type_out_of_range_names_event_object_and_type(native: ModuleType, bad_type: int) -> None:
    ev = single([1e3, 2e3], [0, 0], [0, 0], [1e3, 2e3], [0, bad_type], 0.0, 0.0)
    with pytest.raises(ValueError, match=rf"event 0: RMM: object 1 has type {bad_type}, expected 0..1"):
        run(native, ev, [2, 2])


@pytest.mark.parametrize(
    ("slots", "kwargs", "message"),
    [
        ([], {}, "slots_per_type must not be empty"),
        ([5, 0], {}, r"slots_per_type\[1\] = 0, expected >= 1"),
        ([5], {"sqrt_s": 0.0}, "sqrt_s = 0.000000, expected > 0"),
        ([5], {"c": float("nan")}, "c = nan, expected finite"),
    ],
)
def test_bad_layout_is_rejected(
    native: ModuleType, slots: list[int], kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        run(native, single([], [], [], [], [], 0.0, 0.0), slots, **kwargs)


# ---- cell names --------------------------------------------------------------------------------------------
def test_cell_names_follow_the_layout(native: ModuleType) -> None:
    names = native.rmm_cell_names([5, 5, 5, 5], ["j", "b", "mu", "e"])
    size = 21
    assert len(names) == size * size and len(set(names)) == size * size
    grid = np.array(names).reshape(size, size)
    assert grid[0, 0] == "MET" and grid[0, 16] == "mT_e1" and grid[13, 0] == "hL_mu3"
    assert grid[1, 1] == "ET_j1" and grid[2, 2] == "dET_j2" and grid[6, 6] == "ET_b1"
    assert grid[1, 17] == "m_j1_e2" and grid[17, 1] == "h_j1_e2"


@pytest.mark.parametrize("type_names", [["j"], ["j", "j"], ["j", ""]])
def test_cell_names_need_one_distinct_name_per_type(native: ModuleType, type_names: list[str]) -> None:
    with pytest.raises(ValueError, match="RMM cell names"):
        native.rmm_cell_names([2, 2], type_names)


# ---- the real ATLAS Open Data file -------------------------------------------------------------------------
def test_real_file_agrees_with_reference(native: ModuleType, real_4lep_file: Path) -> None:
    uproot = pytest.importorskip("uproot")
    arrays = uproot.open(real_4lep_file)["mini"].arrays(
        [
            "jet_pt",
            "jet_eta",
            "jet_phi",
            "jet_E",
            "jet_MV2c10",
            "lep_pt",
            "lep_eta",
            "lep_phi",
            "lep_E",
            "lep_type",
            "met_et",
            "met_phi",
        ],
        library="np",
    )
    per_event = []
    for i in range(len(arrays["met_et"])):
        jet_type = np.where(arrays["jet_MV2c10"][i] > 0.645925, 1, 0)
        lep_type = np.where(arrays["lep_type"][i] == 13, 2, 3)
        per_event.append(
            [
                np.concatenate([arrays[f"jet_{k}"][i], arrays[f"lep_{k}"][i]])
                for k in ("pt", "eta", "phi", "E")
            ]
            + [np.concatenate([jet_type, lep_type])]
        )
    names = ("pt", "eta", "phi", "e", "type")
    ev = {k: np.concatenate([e[j] for e in per_event]) for j, k in enumerate(names)}
    ev = {
        **{k: v.astype(np.float32) for k, v in ev.items()},
        "type": ev["type"].astype(np.int32),
        "offsets": np.concatenate([[0], np.cumsum([len(e[0]) for e in per_event])]).astype(np.int64),
        "met": arrays["met_et"].astype(np.float32),
        "met_phi": arrays["met_phi"].astype(np.float32),
    }
    slots = [5, 5, 5, 5]
    got = run(native, ev, slots)
    expected = np.stack([reference_rmm(*event(ev, i), slots) for i in range(len(ev["met"]))])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9)
    assert np.all(np.isfinite(got)) and np.count_nonzero(got[:, 6 * 21 + 6]) > 0  # some events have a b-jet
