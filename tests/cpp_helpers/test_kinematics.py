"""kinematics.hpp through the numpy module, against the `vector` package and hand-computed cases."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import awkward as ak
import numpy as np
import pytest
import vector
from cpp_helpers_events import Events

RTOL = 1e-5
# Absolute slack for masses near 0 (MeV), where m = sqrt(E^2 - p^2) is dominated by the float32 rounding of E.
MASS_ATOL = 0.05


def as_vectors(ev: Events) -> ak.Array:
    """The events as awkward Momentum4D records in float64 (the independent reference)."""
    return vector.zip(
        {
            name: ev.jagged(getattr(ev, attr).astype(np.float64))
            for name, attr in [("pt", "pt"), ("eta", "eta"), ("phi", "phi"), ("E", "e")]
        }
    )


def one_event(pt: list[float], eta: list[float], phi: list[float], e: list[float]) -> tuple[np.ndarray, ...]:
    arrays = tuple(np.asarray(x, dtype=np.float32) for x in (pt, eta, phi, e))
    return (*arrays, np.array([0, len(pt)], dtype=np.int64))


# ---- against the reference on random events ------------------------------------------------------


def test_invariant_mass_of_all_objects_matches_vector(core: ModuleType, events: Events) -> None:
    expected = ak.to_numpy(ak.sum(as_vectors(events), axis=1).mass)
    np.testing.assert_allclose(core.invariant_mass(*events.momenta), expected, rtol=RTOL, atol=MASS_ATOL)


def test_invariant_mass_of_chosen_indices_matches_vector(core: ModuleType, events: Events) -> None:
    rng = np.random.default_rng(7)
    counts = np.diff(events.offsets)
    # Up to four random positions per event (repeats allowed), only in events that have objects.
    n_chosen = np.where(counts > 0, rng.integers(0, 5, counts.size), 0)
    chosen = ak.unflatten(
        np.floor(rng.random(int(n_chosen.sum())) * np.repeat(counts, n_chosen)).astype(np.int32), n_chosen
    )
    index_offsets = np.concatenate([[0], np.cumsum(n_chosen)]).astype(np.int64)
    got = core.invariant_mass(
        *events.momenta, indices=ak.to_numpy(ak.flatten(chosen)), index_offsets=index_offsets
    )
    expected = ak.to_numpy(ak.sum(as_vectors(events)[chosen], axis=1).mass)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=MASS_ATOL)


def test_pair_masses_match_vector_in_combination_order(core: ModuleType, events: Events) -> None:
    flat, offsets = core.pair_masses(*events.momenta)
    first, second = ak.unzip(ak.combinations(as_vectors(events), 2))
    expected = (first + second).mass
    np.testing.assert_array_equal(offsets[1:] - offsets[:-1], ak.to_numpy(ak.num(expected)))
    np.testing.assert_allclose(flat, ak.to_numpy(ak.flatten(expected)), rtol=RTOL, atol=MASS_ATOL)


def test_rapidity_matches_vector(core: ModuleType, events: Events) -> None:
    expected = ak.to_numpy(ak.flatten(as_vectors(events).rapidity))
    np.testing.assert_allclose(core.rapidity(*events.momenta), expected, rtol=RTOL, atol=1e-6)


def test_system_pt_matches_vector(core: ModuleType, events: Events) -> None:
    expected = ak.to_numpy(ak.sum(as_vectors(events), axis=1).pt)
    got = core.system_pt(events.pt, events.phi, events.offsets)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-2)


def test_sorted_by_pt_is_a_stable_decreasing_argsort(core: ModuleType, events: Events) -> None:
    expected = ak.argsort(events.jagged(events.pt), axis=1, ascending=False, stable=True)
    got = core.sorted_by_pt(events.pt, events.offsets)
    np.testing.assert_array_equal(got, ak.to_numpy(ak.flatten(expected)))


def test_scalar_functions_match_numpy_and_vector(core: ModuleType) -> None:
    rng = np.random.default_rng(3)
    n = 5000
    pt, met = (rng.uniform(0, 2e5, n).astype(np.float32) for _ in range(2))
    eta1, eta2 = (rng.uniform(-3, 3, n).astype(np.float32) for _ in range(2))
    # Angles beyond [-pi, pi] too: the wrapping must not assume pre-wrapped input.
    phi1, phi2 = (rng.uniform(-7, 7, n).astype(np.float32) for _ in range(2))
    # vector has no type stubs for its numpy backend.
    a: Any = vector.array({"pt": np.ones(n), "eta": eta1.astype(np.float64), "phi": phi1.astype(np.float64)})
    b: Any = vector.array({"pt": np.ones(n), "eta": eta2.astype(np.float64), "phi": phi2.astype(np.float64)})
    # Float32 rounding near the wrap point can flip the sign of a result of |pi|: compare on the circle.
    dphi = core.delta_phi(phi1, phi2)
    assert np.all((dphi >= -np.float32(np.pi)) & (dphi < np.float32(np.pi)))
    np.testing.assert_allclose(np.cos(dphi), np.cos(a.deltaphi(b)), atol=1e-6)
    np.testing.assert_allclose(np.sin(dphi), np.sin(a.deltaphi(b)), atol=1e-6)
    np.testing.assert_allclose(core.delta_r(eta1, phi1, eta2, phi2), a.deltaR(b), rtol=RTOL)
    mt = np.sqrt(2 * pt.astype(np.float64) * met * (1 - np.cos(phi1.astype(np.float64) - phi2)))
    np.testing.assert_allclose(core.transverse_mass(pt, phi1, met, phi2), mt, rtol=RTOL, atol=1e-2)


# ---- hand-computed cases -------------------------------------------------------------------------


def test_back_to_back_massless_leptons_make_a_z(core: ModuleType) -> None:
    args = one_event([45600, 45600], [0, 0], [0, math.pi], [45600, 45600])
    assert core.invariant_mass(*args)[0] == pytest.approx(91200, rel=1e-6)
    flat, offsets = core.pair_masses(*args)
    assert flat.tolist() == pytest.approx([91200], rel=1e-6) and offsets.tolist() == [0, 1]


def test_transverse_mass_hand_cases(core: ModuleType) -> None:
    got = core.transverse_mass(
        np.array([40e3, 40e3, 40e3, 0]),
        np.array([0, 0, 1, 0]),
        np.array([40e3, 40e3, 30e3, 5e3]),
        np.array([math.pi, math.pi / 2, 1, 2]),
    )
    np.testing.assert_allclose(got, [80e3, math.sqrt(2) * 40e3, 0, 0], rtol=1e-6, atol=1e-3)


def test_delta_phi_wraps_around(core: ModuleType) -> None:
    phi1 = np.array([3.1, -3.1, 0.5, math.pi, 0], np.float32)
    phi2 = np.array([-3.1, 3.1, -0.5, 0, math.pi], np.float32)
    # The expectation uses the float32 inputs in double; float32(pi) is slightly above pi, so 0 - float32(pi)
    # wraps to just below +pi, while float32(pi) - 0 lies on the upper end and folds to -pi.
    d = phi1.astype(np.float64) - phi2
    two_pi_minus = float(d[0]) - 2 * math.pi
    expected = [two_pi_minus, -two_pi_minus, 1.0, -float(np.float32(math.pi)), float(d[4]) + 2 * math.pi]
    np.testing.assert_allclose(core.delta_phi(phi1, phi2), expected, rtol=1e-6)
    assert core.delta_r(np.array([1.0]), phi1[:1], np.array([1.0]), phi2[:1])[0] == pytest.approx(
        abs(two_pi_minus), rel=1e-6
    )


def test_rapidity_of_a_massless_object_equals_eta(core: ModuleType) -> None:
    pt, eta = 30e3, 1.3
    args = one_event([pt], [eta], [0.4], [pt * math.cosh(eta)])
    assert core.rapidity(*args)[0] == pytest.approx(eta, rel=1e-5)


def test_system_pt_of_balanced_objects_is_zero(core: ModuleType) -> None:
    pt, phi = (
        np.array([10e3, 10e3, 10e3], np.float32),
        np.array([0, 2 * math.pi / 3, -2 * math.pi / 3], np.float32),
    )
    assert core.system_pt(pt, phi, np.array([0, 3]))[0] == pytest.approx(0, abs=1e-2)


# ---- edge cases ----------------------------------------------------------------------------------


def test_empty_and_single_object_events(core: ModuleType) -> None:
    # Exactly representable numbers: pt 3 GeV, E 5 GeV at eta 0 -> m = 4 GeV.
    pt, eta, phi, e = (np.array([x], np.float32) for x in (3e3, 0, 0, 5e3))
    offsets = np.array([0, 0, 1, 1])  # empty, one object, empty
    np.testing.assert_allclose(core.invariant_mass(pt, eta, phi, e, offsets), [0, 4e3, 0], rtol=1e-7)
    flat, pair_offsets = core.pair_masses(pt, eta, phi, e, offsets)
    assert flat.size == 0 and pair_offsets.tolist() == [0, 0, 0, 0]
    assert core.system_pt(pt, phi, offsets).tolist() == [0, 3e3, 0]
    empty = np.array([], np.float32)
    assert core.invariant_mass(empty, empty, empty, empty, np.array([0])).size == 0


def test_negative_mass_squared_gives_negative_mass_like_root(core: ModuleType) -> None:
    # Collinear massless objects: E slightly below |p| makes m^2 < 0; the sign survives, as in ROOT's M().
    args = one_event([50e3], [0], [0], [49999])
    assert core.invariant_mass(*args)[0] == pytest.approx(-math.sqrt(50e3**2 - 49999.0**2), rel=1e-6)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_and_inf_propagate(core: ModuleType, bad: float) -> None:
    args = one_event([40e3, 40e3], [0, bad], [0, 1], [40e3, 60e3])
    assert not np.isfinite(core.invariant_mass(*args)[0])
    assert np.isnan(core.delta_phi(np.array([bad]), np.array([0.0]))[0])
    assert not np.isfinite(core.pair_masses(*args)[0][0])


@pytest.mark.parametrize("index", [2, -1, 100])
def test_out_of_range_index_raises(core: ModuleType, index: int) -> None:
    args = one_event([40e3, 40e3], [0, 0], [0, 1], [40e3, 40e3])
    with pytest.raises(IndexError, match=f"index {index} out of range for 2 objects"):
        core.invariant_mass(*args, indices=np.array([0, index]), index_offsets=np.array([0, 2]))


def test_mismatched_sizes_raise_naming_the_column(core: ModuleType) -> None:
    pt, eta, phi, e, offsets = one_event([1, 2], [0, 0], [0, 0], [1, 2])
    with pytest.raises(ValueError, match="eta: 1 values, but the offsets describe 2"):
        core.invariant_mass(pt, eta[:1], phi, e, offsets)
    with pytest.raises(ValueError, match="last offset 3 does not match the 2 flat values"):
        core.pair_masses(pt, eta, phi, e, np.array([0, 3]))
    with pytest.raises(ValueError, match="equal length"):
        core.delta_phi(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="both indices and index_offsets"):
        core.invariant_mass(pt, eta, phi, e, offsets, indices=np.array([0]))
