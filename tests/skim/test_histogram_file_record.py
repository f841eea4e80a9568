"""histograms.root says what its histograms are: per sample and for the whole file, the data kind and the
luminosity, and the provenance (JSON) of the run that wrote it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import uproot
from higgshunt.skim import data_kind, histogram_file
from higgshunt.skim.cutflow import Cutflow, CutflowRow


def _write(path: Path, sample: str, kind: str, lumi: float | None, run: str = "a") -> None:
    import ROOT

    mass = ROOT.TH1D("m4l", ";m_{4l} [GeV];", 4, 100.0, 140.0)
    mass.SetDirectory(ROOT.nullptr)
    mass.Fill(120.0)
    cutflow = Cutflow(sample, (CutflowRow("all", 1, 1.0, 1.0),))
    record = histogram_file.SampleRecord(kind, lumi, {"code_version": run})
    histogram_file.write(path, sample, {"m4l": mass}, cutflow, record)


def _top(path: Path) -> tuple[str, float | None, dict[str, str]]:
    with uproot.open(path) as handle:
        lumi = handle["lumi_fb"].member("fVal") if "lumi_fb" in handle else None
        return handle["data_kind"].member("fTitle"), lumi, json.loads(handle["provenance"].member("fTitle"))


def test_pseudo_data_and_simulation(tmp_path: Path) -> None:
    path = tmp_path / "histograms.root"
    _write(path, "ggH", "simulation", 10.0, run="first")
    assert _top(path) == ("simulation", 10.0, {"code_version": "first"})
    _write(path, "data", "pseudo_data", 10.0, run="second")
    assert _top(path) == ("pseudo_data", 10.0, {"code_version": "second"})
    with uproot.open(path) as handle:
        assert handle["ggH/data_kind"].member("fTitle") == "simulation"
        assert handle["data/lumi_fb"].member("fVal") == 10.0
    # the record is not taken for a histogram
    assert set(histogram_file.read(path, "data")) == {"m4l", "cutflow_entries", "cutflow_weighted"}


def test_rewritten_sample_replaces_its_record(tmp_path: Path) -> None:
    path = tmp_path / "histograms.root"
    _write(path, "data", "pseudo_data", 10.0)
    _write(path, "data", "open_data", 10.0)
    assert _top(path)[0] == "open_data"
    with uproot.open(path) as handle:
        assert [k for k in handle.keys(cycle=False) if k.startswith("data/data_kind")] == ["data/data_kind"]


def test_different_luminosities_give_no_file_wide_one(tmp_path: Path) -> None:
    path = tmp_path / "histograms.root"
    _write(path, "data_A", "open_data", 3.2)
    _write(path, "data_B", "open_data", 7.0)
    assert _top(path)[:2] == ("open_data", None)
    _write(path, "data_B", "open_data", 3.2)
    assert _top(path)[:2] == ("open_data", 3.2)


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="data kind 'real'"):
        _write(tmp_path / "histograms.root", "data", "real", None)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], "simulation"),
        (["simulation"], "simulation"),
        (["simulation", "open_data"], "open_data"),
        (["open_data", "pseudo_data", "simulation"], "pseudo_data"),
    ],
)
def test_combined_kind_never_claims_collision_data_for_pseudo_data(kinds: list[str], expected: str) -> None:
    assert data_kind.combined(kinds) == expected
