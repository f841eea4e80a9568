"""angles.hpp through the numpy module: events built from chosen angles, an independent `vector` computation,
edge cases, and the RDataFrame path."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import vector

ANGLES = ("cos_theta_star", "cos_theta1", "cos_theta2", "phi", "phi1")


def _wrap(angle: np.ndarray) -> np.ndarray:
    """Angles mapped into (-pi, pi]."""
    return np.angle(np.exp(1j * angle))


def _to_lab(p: vector.MomentumNumpy4D) -> dict[str, np.ndarray]:
    return {
        "pt": p.pt.astype(np.float32),
        "eta": p.eta.astype(np.float32),
        "phi": p.phi.astype(np.float32),
        "e": p.E.astype(np.float32),
    }


def _flatten(leptons: list[dict[str, np.ndarray]], charges: list[int]) -> dict[str, np.ndarray]:
    """Four leptons per event (in the given order) as flat arrays + offsets, i1..i4 = 0, 1, 2, 3."""
    n = len(leptons[0]["pt"])
    flat = {k: np.stack([lep[k] for lep in leptons], axis=1).ravel() for k in ("pt", "eta", "phi", "e")}
    flat["charge"] = np.tile(np.asarray(charges, dtype=np.int32), n)
    flat["offsets"] = np.arange(0, 4 * n + 1, 4, dtype=np.int64)
    for k in range(4):
        flat[f"i{k + 1}"] = np.full(n, k, dtype=np.int32)
    return flat


def _construct(truth: dict[str, np.ndarray], m1: float, m2: float, m_x: float, beta: np.ndarray):
    """Massless leptons of X -> Z1 Z2 with the given angles, then boosted to the lab by `beta` (n, 3).

    Geometry (worked out from the definitions): Z1 flies along u = (sin t*, 0, cos t*) in the X frame; with
    e1 = unit(z x u) and e2 = u x e1, a lepton azimuth a around u gives the Z1 plane angle
    phi1 = pi/2 - a, and phi = a1 - a2. The negative lepton of Z1 makes angle theta1 with +u in the Z1 frame,
    that of Z2 angle theta2 with -u in the Z2 frame.
    """
    n = len(truth["phi"])
    sin_star = np.sqrt(1 - truth["cos_theta_star"] ** 2)
    u = np.stack([sin_star, np.zeros(n), truth["cos_theta_star"]], axis=1)
    e1 = np.stack([np.zeros(n), np.ones(n), np.zeros(n)], axis=1)
    e2 = np.cross(u, e1)
    a1 = np.pi / 2 - truth["phi1"]
    a2 = a1 - truth["phi"]
    q = np.sqrt((m_x**2 - (m1 + m2) ** 2) * (m_x**2 - (m1 - m2) ** 2)) / (2 * m_x)

    def z_decay(mass: float, axis: np.ndarray, cos_t: np.ndarray, azimuth: np.ndarray, sign: float):
        sin_t = np.sqrt(1 - cos_t**2)
        w = np.cos(azimuth)[:, None] * e1 + np.sin(azimuth)[:, None] * e2
        direction = cos_t[:, None] * axis + sin_t[:, None] * w
        k = mass / 2
        out = []
        for s in (1.0, -1.0):
            d = s * direction * k
            rest = vector.array({"px": d[:, 0], "py": d[:, 1], "pz": d[:, 2], "E": np.full(n, k)})
            z_beta = sign * u * (q / np.hypot(q, mass))
            out.append(
                rest.boost_beta3(vector.array({"x": z_beta[:, 0], "y": z_beta[:, 1], "z": z_beta[:, 2]}))
            )
        return out

    l11, l12 = z_decay(m1, u, truth["cos_theta1"], a1, 1.0)
    l21, l22 = z_decay(m2, -u, truth["cos_theta2"], a2, -1.0)
    lab = vector.array({"x": beta[:, 0], "y": beta[:, 1], "z": beta[:, 2]})
    return [_to_lab(p.boost_beta3(lab)) for p in (l11, l12, l21, l22)]


def _call(core: ModuleType, flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keys = ("pt", "eta", "phi", "e", "charge", "offsets", "i1", "i2", "i3", "i4")
    return core.four_lepton_angles(*(flat[k] for k in keys))


def test_angles_of_constructed_decays_are_recovered(core: ModuleType) -> None:
    rng = np.random.default_rng(7)
    n = 500
    truth = {
        "cos_theta_star": rng.uniform(-0.95, 0.95, n),
        "cos_theta1": rng.uniform(-0.95, 0.95, n),
        "cos_theta2": rng.uniform(-0.95, 0.95, n),
        "phi": rng.uniform(-3.0, 3.0, n),
        "phi1": rng.uniform(-3.0, 3.0, n),
    }
    beta = rng.uniform(-0.4, 0.4, (n, 3))
    leptons = _construct(truth, 91187.6, 30000.0, 125000.0, beta)
    # negative lepton first in each pair here; the helper must find it from the charges in any order
    swapped = _flatten([leptons[1], leptons[0], leptons[3], leptons[2]], [+1, -1, +1, -1])
    for flat in (_flatten(leptons, [-1, +1, -1, +1]), swapped):
        got = _call(core, flat)
        for name in ("cos_theta_star", "cos_theta1", "cos_theta2"):
            np.testing.assert_allclose(got[name], truth[name], atol=2e-4, err_msg=name)
        for name in ("phi", "phi1"):
            np.testing.assert_allclose(_wrap(got[name] - truth[name]), 0.0, atol=2e-3, err_msg=name)


def _reference(flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The definitions evaluated with `vector` boosts and products (leptons 0, 1 = Z1 with 0 negative)."""
    p = vector.array(
        {k: flat[k].astype(np.float64).reshape(-1, 4) for k in ("pt", "eta", "phi")}
        | {"E": flat["e"].astype(np.float64).reshape(-1, 4)}
    )
    lab = [p[:, k] for k in range(4)]
    x = lab[0] + lab[1] + lab[2] + lab[3]
    l11, l12, l21, l22 = (lep.boostCM_of_p4(x) for lep in lab)
    z1, z2 = l11 + l12, l21 + l22
    q1 = z1.to_Vector3D()
    n1 = l11.to_Vector3D().cross(l12.to_Vector3D()).unit()
    n2 = l21.to_Vector3D().cross(l22.to_Vector3D()).unit()
    beam = vector.array({"x": np.zeros(len(x)), "y": np.zeros(len(x)), "z": np.ones(len(x))})
    nsc = beam.cross(q1).unit()

    def cos_to_opposite(
        other: vector.MomentumNumpy4D, lepton: vector.MomentumNumpy4D, frame: vector.MomentumNumpy4D
    ):
        """-cos of the angle between `other` and `lepton` in the rest frame of `frame`."""
        return -np.cos(
            other.boostCM_of_p4(frame).to_Vector3D().deltaangle(lepton.boostCM_of_p4(frame).to_Vector3D())
        )

    return {
        "cos_theta_star": q1.z / q1.mag,
        "cos_theta1": -np.cos(
            z2.boostCM_of_p4(z1).to_Vector3D().deltaangle(l11.boostCM_of_p4(z1).to_Vector3D())
        ),
        "cos_theta2": -np.cos(
            z1.boostCM_of_p4(z2).to_Vector3D().deltaangle(l21.boostCM_of_p4(z2).to_Vector3D())
        ),
        "phi": np.sign(q1.dot(n1.cross(n2))) * np.arccos(np.clip(-n1.dot(n2), -1, 1)),
        "phi1": np.sign(q1.dot(n1.cross(nsc))) * np.arccos(np.clip(n1.dot(nsc), -1, 1)),
    }


def test_matches_an_independent_vector_computation(core: ModuleType) -> None:
    rng = np.random.default_rng(11)
    n = 2000
    leptons = []
    for _ in range(4):
        pt = rng.uniform(7e3, 120e3, n)
        eta = rng.uniform(-2.5, 2.5, n)
        leptons.append(
            {
                "pt": pt.astype(np.float32),
                "eta": eta.astype(np.float32),
                "phi": rng.uniform(-np.pi, np.pi, n).astype(np.float32),
                "e": (pt * np.cosh(eta)).astype(np.float32),
            }
        )
    flat = _flatten(leptons, [-1, +1, -1, +1])
    got, ref = _call(core, flat), _reference(flat)
    for name in ("cos_theta_star", "cos_theta1", "cos_theta2"):
        np.testing.assert_allclose(got[name], ref[name], atol=1e-4, err_msg=name)
    for name in ("phi", "phi1"):
        np.testing.assert_allclose(_wrap(got[name] - ref[name]), 0.0, atol=1e-3, err_msg=name)
    assert all(np.all(np.abs(got[c]) <= 1.0) for c in ("cos_theta_star", "cos_theta1", "cos_theta2"))


def _one_event(charges: list[int], indices: list[int], n_leptons: int = 4) -> dict[str, np.ndarray]:
    flat = {
        "pt": np.linspace(40e3, 10e3, n_leptons, dtype=np.float32),
        "eta": np.linspace(-1.0, 1.5, n_leptons, dtype=np.float32),
        "phi": np.linspace(-2.0, 2.5, n_leptons, dtype=np.float32),
        "charge": np.asarray(charges, dtype=np.int32),
        "offsets": np.asarray([0, n_leptons], dtype=np.int64),
    }
    flat["e"] = (flat["pt"] * np.cosh(flat["eta"])).astype(np.float32)
    for k, i in enumerate(indices):
        flat[f"i{k + 1}"] = np.asarray([i], dtype=np.int32)
    return flat


def test_invalid_candidates_give_nan(core: ModuleType) -> None:
    for charges, indices in (
        ([-1, 1, -1, 1], [-1, -1, -1, -1]),  # invalid FourLeptonCandidate
        ([-1, -1, 1, 1], [0, 1, 2, 3]),  # Z1 without opposite charges
        ([-1, 1, 0, 1], [0, 1, 2, 3]),  # a zero charge leaves Z2 without orientation
    ):
        got = _call(core, _one_event(charges, indices))
        assert all(np.isnan(got[name][0]) for name in ANGLES), (charges, indices)
    fine = _call(core, _one_event([-1, 1, 1, -1, 1], [0, 1, 3, 4], n_leptons=5))  # a fifth lepton is allowed
    assert all(np.isfinite(fine[name][0]) for name in ANGLES)


def test_nan_input_propagates_and_empty_input_is_empty(core: ModuleType) -> None:
    flat = _one_event([-1, 1, -1, 1], [0, 1, 2, 3])
    flat["pt"][2] = np.nan
    assert np.isnan(_call(core, flat)["cos_theta_star"][0])
    empty = {k: np.zeros(0, dtype=np.float32) for k in ("pt", "eta", "phi", "e")}
    empty |= {"charge": np.zeros(0, np.int32), "offsets": np.zeros(1, np.int64)}
    empty |= {f"i{k}": np.zeros(0, np.int32) for k in range(1, 5)}
    assert all(len(v) == 0 for v in _call(core, empty).values())


def test_bad_input_is_rejected(core: ModuleType) -> None:
    with pytest.raises(IndexError, match="FourLeptonAngles: index 4 out of range for 4 leptons"):
        _call(core, _one_event([-1, 1, -1, 1], [0, 1, 2, 4]))
    short = _one_event([-1, 1, -1, 1], [0, 1, 2, 3])
    short["charge"] = short["charge"][:3]
    with pytest.raises(ValueError, match="charge: 3 values"):
        _call(core, short)
    many = _one_event([-1, 1, -1, 1], [0, 1, 2, 3])
    many["i3"] = np.zeros(2, dtype=np.int32)
    with pytest.raises(ValueError, match="i3: expected a 1-d array of 1 events"):
        _call(core, many)


def test_rdataframe_expression_uses_the_helper(core: ModuleType) -> None:
    import ROOT
    from higgshunt import native

    native.load_into_root()
    flat = _one_event([1, -1, -1, 1], [0, 1, 2, 3])
    expected = _call(core, flat)

    def rvec(values: np.ndarray, kind: str) -> str:
        literal = (lambda v: f"{float(v)!r}f") if kind == "float" else (lambda v: str(int(v)))
        return f"ROOT::RVec<{kind}>{{{', '.join(literal(v) for v in values)}}}"

    expression = (
        "higgshunt::FourLeptonAngles("
        + ", ".join(rvec(flat[k], "float") for k in ("pt", "eta", "phi", "e"))
        + f", {rvec(flat['charge'], 'int')}, 0, 1, 2, 3)"
    )
    frame = ROOT.RDataFrame(1).Define("angles", expression)
    for name in ANGLES:
        value = frame.Define(name, f"angles.{name}").Take["float"](name).GetValue()[0]
        assert value == pytest.approx(float(expected[name][0]), abs=1e-6)
