"""The hzz4l selection on the real ATLAS Open Data file equals an independent uproot+awkward+vector one."""

from __future__ import annotations

import json
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot
from higgshunt import skim
from hzz4l_reference import select

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def skimmed(real_4lep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> skim.SkimResult:
    config = skim.load(REPO / "configs" / "hzz4l.yaml")
    return skim.run(
        config,
        output=tmp_path_factory.mktemp("out"),
        inputs_by_name={"data": [str(real_4lep_file)]},
        progress=False,
    )


@pytest.fixture(scope="module")
def reference(real_4lep_file: Path) -> tuple[dict[str, int], ak.Array]:
    from hzz4l_reference import BRANCHES

    events = uproot.open(f"{real_4lep_file}:mini").arrays(BRANCHES)
    return select(events)


def test_same_events_selected(skimmed: skim.SkimResult, reference: tuple[dict[str, int], ak.Array]) -> None:
    table = pd.read_hdf(skimmed.skim_file, "data")
    _, selected = reference
    assert 0 < len(table) < 39  # the selection removes some but not all events of the file
    assert sorted(table.eventNumber) == sorted(ak.to_list(selected.eventNumber))


def test_event_by_event_features(
    skimmed: skim.SkimResult, reference: tuple[dict[str, int], ak.Array]
) -> None:
    table = pd.read_hdf(skimmed.skim_file, "data").set_index("eventNumber").sort_index()
    _, selected = reference
    order = np.argsort(ak.to_numpy(selected.eventNumber))
    ref = selected[order]
    for name in ("m4l", "m12", "m34"):
        np.testing.assert_allclose(table[name].to_numpy(), ak.to_numpy(ref[name]) / 1000.0, rtol=1e-5)
    for i in range(4):
        np.testing.assert_allclose(table[f"lep{i + 1}_pt"], ak.to_numpy(ref.lep.pt[:, i]) / 1000.0, rtol=1e-6)
        np.testing.assert_allclose(table[f"lep{i + 1}_e"], ak.to_numpy(ref.lep.E[:, i]) / 1000.0, rtol=1e-6)
        np.testing.assert_allclose(table[f"lep{i + 1}_eta"], ak.to_numpy(ref.lep.eta[:, i]), rtol=1e-6)
        np.testing.assert_allclose(table[f"lep{i + 1}_phi"], ak.to_numpy(ref.lep.phi[:, i]), rtol=1e-6)
        np.testing.assert_array_equal(table[f"lep{i + 1}_charge"], ak.to_numpy(ref.lep.charge[:, i]))
        np.testing.assert_array_equal(table[f"lep{i + 1}_pdgId"], ak.to_numpy(ref.lep.pdg[:, i]))
    # leptons sorted by decreasing pT
    pts = table[[f"lep{i}_pt" for i in range(1, 5)]].to_numpy()
    assert np.all(np.diff(pts, axis=1) <= 0)


def test_cutflow_entries_match_reference(
    skimmed: skim.SkimResult, reference: tuple[dict[str, int], ak.Array]
) -> None:
    counts, _ = reference
    (cutflow,) = skimmed.cutflows
    assert {row.cut: row.entries for row in cutflow.rows} == counts
    assert all(row.sum_w == row.entries == row.sum_w2 for row in cutflow.rows)  # data: weight 1


def test_table_contract(skimmed: skim.SkimResult) -> None:
    table = pd.read_hdf(skimmed.skim_file, "data")
    head = ["runNumber", "eventNumber", "fold", "weight", "w_mc", "w_sf", "w_norm", "label", "sample", "dsid"]
    competitor = [f"lep{i}_{q}" for q in ("pt", "e", "charge", "pdgId", "phi", "eta") for i in range(1, 5)]
    assert list(table.columns[:34]) == head + competitor
    assert {"m4l", "m12", "m34", "n_jets", "n_jets_30"} <= set(table.columns)
    assert table.runNumber.dtype == np.int64 and table.eventNumber.dtype == np.int64
    assert table.fold.dtype == np.int32 and table.label.dtype == np.int8 and table.dsid.dtype == np.int32
    np.testing.assert_array_equal(table.fold, table.eventNumber % 3)
    assert (table.label == -1).all() and (table.weight == 1.0).all() and (table["sample"] == "data").all()
    with pd.HDFStore(skimmed.skim_file, mode="r") as store:
        storer = store.get_storer("data")
        attrs = json.loads(storer.attrs.higgshunt)
        assert storer.is_table
        assert attrs["cutflow"]["rows"][-1]["entries"] == len(table)
        assert attrs["config_hash"] and attrs["provenance"]["versions"]["ROOT"].startswith("6.")


def test_histograms_and_cutflow_outputs(skimmed: skim.SkimResult) -> None:

    from higgshunt.skim import histogram_file

    table = pd.read_hdf(skimmed.skim_file, "data")
    hists = histogram_file.read(skimmed.channel_dir / "histograms.root", "data")
    m4l = hists["m4l"]
    expected, _ = np.histogram(table.m4l, bins=24, range=(80, 170))
    assert [m4l.GetBinContent(i + 1) for i in range(24)] == list(expected)
    flow = hists["cutflow_weighted"]
    assert flow.GetXaxis().GetBinLabel(1) == "all" and flow.GetBinContent(1) == 39
    document = json.loads((skimmed.channel_dir / "cutflow.json").read_text())
    assert document["samples"]["data"][-1]["entries"] == len(table)


def test_histogram_file_says_what_it_holds(skimmed: skim.SkimResult) -> None:
    """The real Open Data file given with --input is collision data, at the luminosity of the period it holds
    (data_A: 0.5 fb^-1 of the release's 10), not the config's."""
    with uproot.open(skimmed.channel_dir / "histograms.root") as handle:
        assert handle["data_kind"].member("fTitle") == "open_data"
        assert handle["data/data_kind"].member("fTitle") == "open_data"
        lumi = handle["lumi_fb"].member("fVal")
        record = json.loads(handle["provenance"].member("fTitle"))
    assert lumi == 0.5 and skim.load(REPO / "configs" / "hzz4l.yaml").lumi_fb == 10.0
    assert record["versions"]["ROOT"].startswith("6.")
