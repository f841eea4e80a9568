"""The H->yy and trilepton channels against independent numpy/awkward/vector computations."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot
import vector
from higgshunt import skim
from hzz4l_reference import BRANCHES, good_leptons
from skim_ntuples import copy_ntuple

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SQRT_S_GEV = 13000.0


@pytest.fixture(scope="module")
def photon_file(real_4lep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real events whose two leading leptons are written as tight isolated photons (and trigP set)."""

    def copy(branch: str) -> tuple[str, object]:
        return ("float", lambda t: list(getattr(t, branch))[:2])

    vectors = {
        "photon_pt": copy("lep_pt"),
        "photon_eta": copy("lep_eta"),
        "photon_phi": copy("lep_phi"),
        "photon_E": copy("lep_E"),
        "photon_isTightID": ("bool", lambda t: [True, True]),
        "photon_ptcone30": ("float", lambda t: [0.0, 0.0]),
        "photon_etcone20": ("float", lambda t: [0.0, 0.0]),
    }
    target = tmp_path_factory.mktemp("hyy") / "data_photons.root"
    return copy_ntuple(real_4lep_file, target, vectors=vectors, scalars={"trigP": lambda ev: 1})


def _run(channel: str, files: list[Path], out: Path) -> skim.SkimResult:
    config = skim.load(REPO / "configs" / f"{channel}.yaml")
    return skim.run(config, output=out, inputs_by_name={"data": [str(f) for f in files]}, progress=False)


def test_hyy_matches_numpy(photon_file: Path, tmp_path: Path) -> None:
    result = _run("hyy", [photon_file], tmp_path)
    table = pd.read_hdf(result.skim_file, "data").set_index("eventNumber").sort_index()

    events = uproot.open(f"{photon_file}:mini").arrays(
        ["eventNumber", "photon_pt", "photon_eta", "photon_phi", "photon_E"]
    )
    abs_eta = abs(events.photon_eta)
    good = (events.photon_pt > 25000) & (abs_eta < 2.37) & ~((abs_eta > 1.37) & (abs_eta < 1.52))
    events = events[ak.sum(good, axis=1) >= 2]
    good = good[ak.sum(good, axis=1) >= 2]
    ph = vector.zip(
        {
            "pt": events.photon_pt[good],
            "eta": events.photon_eta[good],
            "phi": events.photon_phi[good],
            "energy": events.photon_E[good],
        }
    )
    ph = ph[ak.argsort(ph.pt, axis=1, ascending=False)]
    m_yy = ak.to_numpy((ph[:, 0] + ph[:, 1]).mass)
    lead, sub = ak.to_numpy(ph.pt[:, 0]), ak.to_numpy(ph.pt[:, 1])
    keep = (lead > 0.35 * m_yy) & (sub > 0.25 * m_yy) & (m_yy > 105000) & (m_yy < 160000)
    expected = np.sort(ak.to_numpy(events.eventNumber)[keep])

    assert len(expected) > 0
    np.testing.assert_array_equal(table.index.to_numpy(), expected)
    order = np.argsort(ak.to_numpy(events.eventNumber)[keep])
    np.testing.assert_allclose(table.m_yy, m_yy[keep][order] / 1000.0, rtol=1e-5)
    np.testing.assert_allclose(table.ph1_pt, lead[keep][order] / 1000.0, rtol=1e-6)
    assert (table.ph1_pt >= table.ph2_pt).all()


@pytest.fixture(scope="module")
def trilepton(real_4lep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    result = _run("trilepton", [real_4lep_file], tmp_path_factory.mktemp("out"))
    return pd.read_hdf(result.skim_file, "data")


def test_trilepton_selection(trilepton: pd.DataFrame, real_4lep_file: Path) -> None:
    events = uproot.open(f"{real_4lep_file}:mini").arrays(BRANCHES)
    events = events[events.trigE | events.trigM]
    good = good_leptons(
        events,
        {"pt_min": 10000, "abs_eta_max": 2.47, "d0sig_max": 5},
        {"pt_min": 10000, "abs_eta_max": 2.5, "d0sig_max": 3},
        0.15,
        (1.37, 1.52),
    )
    three = ak.sum(good, axis=1) == 3
    lead_pt = ak.max(events.lep_pt[good], axis=1)
    keep = ak.to_numpy(three & (ak.fill_none(lead_pt, 0) > 25000))
    assert 0 < keep.sum()
    assert sorted(trilepton.eventNumber) == sorted(ak.to_numpy(events.eventNumber)[keep])


def test_trilepton_features_and_rmm(trilepton: pd.DataFrame) -> None:
    assert len(trilepton) > 0
    rmm_columns = [c for c in trilepton.columns if c.startswith("rmm_")]
    assert len(rmm_columns) == 21 * 21 and rmm_columns[0] == "rmm_0_0" and rmm_columns[-1] == "rmm_20_20"
    for _, event in trilepton.iterrows():
        leptons = [
            vector.obj(
                pt=event[f"lep{i}_pt"],
                eta=event[f"lep{i}_eta"],
                phi=event[f"lep{i}_phi"],
                energy=event[f"lep{i}_e"],
            )
            for i in (1, 2, 3)
        ]
        flavours = [int(event[f"lep{i}_pdgId"]) for i in (1, 2, 3)]
        charges = [int(event[f"lep{i}_charge"]) for i in (1, 2, 3)]
        assert event.m3l == pytest.approx((leptons[0] + leptons[1] + leptons[2]).mass, rel=1e-5)
        assert event.flavour_code == flavours.count(13)
        assert event.met * 1000.0 / (SQRT_S_GEV * 1000.0) == pytest.approx(event.rmm_0_0, rel=1e-5)
        sfos = [
            (i, j)
            for i, j in combinations(range(3), 2)
            if flavours[i] == flavours[j] and charges[i] * charges[j] < 0
        ]
        assert bool(event.has_z) == bool(sfos)
        if sfos:
            masses = [(leptons[i] + leptons[j]).mass for i, j in sfos]
            assert event.m_z == pytest.approx(min(masses, key=lambda m: abs(m - 91.1876)), rel=1e-5)
        # RMM rows: 0 MET, 1-5 jets, 6-10 b-jets, 11-15 electrons, 16-20 muons (leptons by decreasing pT)
        rows = {11: [], 13: []}
        for position, flavour in enumerate(flavours):
            rows[flavour].append(position)
        slots = [(11 + k, rows[11][k]) for k in range(len(rows[11]))] + [
            (16 + k, rows[13][k]) for k in range(len(rows[13]))
        ]
        for (row_a, a), (row_b, b) in combinations(slots, 2):
            pair = (leptons[a] + leptons[b]).mass
            cell = event[f"rmm_{min(row_a, row_b)}_{max(row_a, row_b)}"]
            assert cell * SQRT_S_GEV == pytest.approx(pair, rel=1e-4)
