"""Input checks: files written by RDataFrame's own Snapshot (RVec<T> branches) are read like the releases'."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt.errors import InputError
from higgshunt.eventloop import inputs

BRANCHES = ["runNumber", "eventNumber", "lep_pt", "lep_eta", "lep_charge", "lep_type", "lep_isTightID"]


@pytest.fixture(scope="module")
def snapshot_file(real_4lep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import ROOT

    path = tmp_path_factory.mktemp("snapshot") / "snapshot.root"
    ROOT.RDataFrame("mini", str(real_4lep_file)).Snapshot("mini", str(path), BRANCHES)
    return path


def test_rvec_branches_pass_as_the_vectors_they_hold(snapshot_file: Path) -> None:
    import ROOT

    handle = ROOT.TFile.Open(str(snapshot_file))
    stored = handle.Get("mini").GetBranch("lep_pt").GetClassName()
    handle.Close()
    assert "RVec" in str(stored)  # the check below would pass vacuously on vector<float>
    assert inputs.check_file(str(snapshot_file), "mini", BRANCHES) == 39


def test_a_wrong_element_type_is_still_refused(tmp_path: Path) -> None:
    import ROOT

    path = tmp_path / "wrong.root"
    df = ROOT.RDataFrame(3).Define("lep_pt", "ROOT::RVecI{1, 2}")
    df.Snapshot("mini", str(path), ["lep_pt"])
    with pytest.raises(InputError, match="branch 'lep_pt' is vector<int>, expected vector<float>"):
        inputs.check_file(str(path), "mini", ["lep_pt"])
