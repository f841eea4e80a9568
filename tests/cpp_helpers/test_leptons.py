"""leptons.hpp through the numpy module: every cut toggled on hand-built leptons, and a numpy reference."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

FIELDS = ("type", "pt", "eta", "tight", "ptcone30", "etcone20", "d0sig", "z0")
DTYPES = {"type": np.uint32, "tight": np.bool_}

# A lepton that passes STRICT: every test changes one quantity of it.
GOOD = {
    "type": 11,
    "pt": 20e3,
    "eta": 0.5,
    "tight": True,
    "ptcone30": 1e3,
    "etcone20": 1e3,
    "d0sig": 1.0,
    "z0": 0.1,
}


def strict(core: ModuleType) -> Any:
    """Cuts with every option switched on, including the tight requirement and the crack veto."""
    return core.LeptonCuts(
        pt_min=10e3,
        abs_eta_max=2.47,
        require_tight=True,
        ptcone30_rel_max=0.15,
        etcone20_rel_max=0.15,
        d0sig_max=5,
        z0sintheta_max_mm=0.5,
        crack_eta_min=1.37,
        crack_eta_max=1.52,
    )


def columns(leptons: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """One event holding `leptons`, as the flat arrays good_leptons takes."""
    cols: dict[str, np.ndarray] = {
        f: np.array([lep[f] for lep in leptons], dtype=DTYPES.get(f, np.float32)) for f in FIELDS
    }
    return {**cols, "offsets": np.array([0, len(leptons)], dtype=np.int64)}


def is_good(core: ModuleType, electron: Any = None, muon: Any = None, **changes: Any) -> bool:
    cuts = {"electron": electron or strict(core), "muon": muon or strict(core)}
    return bool(core.good_leptons(**columns([{**GOOD, **changes}]), **cuts)[0])


def test_the_reference_lepton_passes(core: ModuleType) -> None:
    assert is_good(core)
    assert is_good(core, type=13)


@pytest.mark.parametrize(
    ("change", "good"),
    [
        ({"pt": 10e3}, False),  # strict: pt must exceed pt_min
        ({"pt": 10.01e3}, True),
        ({"eta": 2.47}, False),
        ({"eta": -2.6}, False),
        ({"eta": -2.46}, True),
        ({"eta": 1.40}, False),  # crack
        ({"eta": -1.45}, False),
        ({"eta": 1.37}, True),  # the veto excludes the crack's edges
        ({"eta": 1.53}, True),
        ({"tight": False}, False),
        ({"ptcone30": 0.16 * 20e3}, False),
        ({"ptcone30": 0.14 * 20e3}, True),
        ({"etcone20": 0.16 * 20e3}, False),
        ({"etcone20": 0.14 * 20e3}, True),
        ({"d0sig": -6.0}, False),  # |d0sig|
        ({"d0sig": -4.9}, True),
        ({"z0": 0.6}, False),  # 0.6 / cosh(0.5) = 0.532 mm
        ({"z0": -0.55}, True),  # 0.488 mm
        ({"z0": 1.0, "eta": 2.0}, True),  # sin(theta) matters: 1.0 / cosh(2) = 0.266 mm
        ({"type": 15}, False),
        ({"type": 0}, False),
        ({"type": 22}, False),
    ],
)
def test_each_cut_toggled(core: ModuleType, change: dict[str, Any], good: bool) -> None:
    assert is_good(core, **change) is good


@pytest.mark.parametrize("field", ["pt", "eta", "ptcone30", "etcone20", "d0sig", "z0"])
def test_nan_never_passes(core: ModuleType, field: str) -> None:
    assert not is_good(core, **{field: math.nan})


def test_disabled_cuts(core: ModuleType) -> None:
    loose = core.LeptonCuts(
        pt_min=-math.inf,
        abs_eta_max=math.inf,
        require_tight=False,
        ptcone30_rel_max=math.inf,
        etcone20_rel_max=math.inf,
        d0sig_max=math.inf,
        z0sintheta_max_mm=math.inf,
    )
    assert (loose.crack_eta_min, loose.crack_eta_max) == (0, 0)
    assert is_good(
        core, electron=loose, tight=False, eta=1.45, pt=1.0, ptcone30=1e6, etcone20=1e6, d0sig=1e3, z0=50
    )


def test_defaults_are_the_open_data_hzz_values(core: ModuleType) -> None:
    e, mu = core.electron_cuts(), core.muon_cuts()
    assert (e.pt_min, mu.pt_min) == (7000, 5000)
    assert (e.abs_eta_max, mu.abs_eta_max) == pytest.approx((2.47, 2.5))
    assert (e.d0sig_max, mu.d0sig_max) == (5, 3)
    for cuts in (e, mu):
        assert (cuts.ptcone30_rel_max, cuts.etcone20_rel_max) == pytest.approx((0.3, 0.3))
        assert cuts.z0sintheta_max_mm == pytest.approx(0.5)
        assert not cuts.require_tight and (cuts.crack_eta_min, cuts.crack_eta_max) == (0, 0)


def test_flavour_decides_which_cuts_apply(core: ModuleType) -> None:
    # Default cuts: electrons |eta| < 2.47 and |d0sig| < 5, muons |eta| < 2.5 and |d0sig| < 3.
    event = columns(
        [
            {**GOOD, "type": 11, "eta": 2.49},
            {**GOOD, "type": 13, "eta": 2.49},
            {**GOOD, "type": 11, "d0sig": 4.0},
            {**GOOD, "type": 13, "d0sig": 4.0},
            {**GOOD, "type": 11, "pt": 6e3},
            {**GOOD, "type": 13, "pt": 6e3},
        ]
    )
    assert core.good_leptons(**event).tolist() == [0, 1, 1, 0, 0, 1]


def numpy_reference(cols: dict[str, np.ndarray], electron: Any, muon: Any) -> np.ndarray:
    """The selection written independently over whole columns, in float64."""
    good = np.zeros(cols["pt"].size, dtype=bool)
    for flavour, c in ((11, electron), (13, muon)):
        pt, eta = cols["pt"].astype(np.float64), np.abs(cols["eta"].astype(np.float64))
        theta = 2 * np.arctan(np.exp(-eta))
        good |= (
            (cols["type"] == flavour)
            & (pt > c.pt_min)
            & (eta < c.abs_eta_max)
            & ~((eta > c.crack_eta_min) & (eta < c.crack_eta_max))
            & (cols["tight"] | (not c.require_tight))
            & (cols["ptcone30"] / pt < c.ptcone30_rel_max)
            & (cols["etcone20"] / pt < c.etcone20_rel_max)
            & (np.abs(cols["d0sig"]) < c.d0sig_max)
            & (np.abs(cols["z0"] * np.sin(theta)) < c.z0sintheta_max_mm)
        )
    return good.astype(np.int32)


@pytest.mark.parametrize("cuts", ["defaults", "strict"])
def test_random_leptons_match_numpy_reference(core: ModuleType, cuts: str) -> None:
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 6, 4000)
    n = int(counts.sum())
    cols = {
        "type": rng.choice(np.array([11, 13, 15], dtype=np.uint32), n, p=[0.45, 0.45, 0.1]),
        "pt": rng.uniform(3e3, 50e3, n).astype(np.float32),
        "eta": rng.uniform(-2.8, 2.8, n).astype(np.float32),
        "tight": rng.random(n) < 0.8,
        "ptcone30": rng.uniform(0, 8e3, n).astype(np.float32),
        "etcone20": rng.uniform(-1e3, 8e3, n).astype(np.float32),
        "d0sig": rng.normal(0, 3, n).astype(np.float32),
        "z0": rng.normal(0, 0.6, n).astype(np.float32),
        "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    }
    chosen = (core.electron_cuts(), core.muon_cuts()) if cuts == "defaults" else (strict(core), strict(core))
    got = core.good_leptons(**cols, electron=chosen[0], muon=chosen[1])
    expected = numpy_reference(cols, *chosen)
    assert 0.1 < expected.mean() < 0.9  # the sample exercises both outcomes
    np.testing.assert_array_equal(got, expected)


def test_mismatched_sizes_raise_naming_the_column(core: ModuleType) -> None:
    cols = columns([GOOD, GOOD])
    cols["z0"] = cols["z0"][:1]
    with pytest.raises(ValueError, match="z0: 1 values, but the offsets describe 2"):
        core.good_leptons(**cols)


def test_empty_events(core: ModuleType) -> None:
    cols = columns([])
    cols["offsets"] = np.array([0, 0, 0])
    assert core.good_leptons(**cols).size == 0
