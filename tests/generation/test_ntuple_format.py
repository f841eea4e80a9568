"""Generated files have exactly the real ATLAS Open Data file's branches and types; ROOT reads both alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import uproot
from higgshunt.generation import ntuple

pytestmark = pytest.mark.slow

SIGNAL = Path("4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root")
DATA = Path("4lep/Data/data_pseudo10fb.4lep.root")


def _types(path: Path) -> list[tuple[str, str]]:
    with uproot.open(path) as handle:
        return [(name, branch.typename) for name, branch in handle["mini"].items()]


def test_branch_list_matches_real_file_in_order(real_4lep_file: Path) -> None:
    real = _types(real_4lep_file)
    assert [name for name, _ in real] == [name for name, _ in ntuple.BRANCHES]


@pytest.mark.parametrize("relative", [SIGNAL, DATA])
def test_generated_branches_and_types_equal_real_file(
    small_4lep: Path, relative: Path, real_4lep_file: Path
) -> None:
    assert _types(small_4lep / relative) == _types(real_4lep_file)


def test_rdataframe_sees_same_column_types(small_4lep: Path, real_4lep_file: Path) -> None:
    import ROOT

    real = ROOT.RDataFrame("mini", str(real_4lep_file))
    ours = ROOT.RDataFrame("mini", str(small_4lep / SIGNAL))
    names = [str(c) for c in real.GetColumnNames()]
    assert sorted(names) == sorted(str(c) for c in ours.GetColumnNames())
    assert {n: real.GetColumnType(n) for n in names} == {n: ours.GetColumnType(n) for n in names}
    assert ours.Count().GetValue() > 0


def test_mc_event_identifiers(small_4lep: Path) -> None:
    with uproot.open(small_4lep / SIGNAL) as handle:
        tree = handle["mini"].arrays(
            ["eventNumber", "runNumber", "channelNumber", "lep_n", "mcWeight"], library="np"
        )
    assert len(np.unique(tree["eventNumber"])) == len(tree["eventNumber"]) > 0
    assert np.all(tree["runNumber"] == 284500)
    assert np.all(tree["channelNumber"] == 345060)
    assert np.all(tree["lep_n"] >= 4)  # the 4lep skim
    assert np.all(tree["mcWeight"] == 1.0)


def test_pseudo_data_looks_like_real_data(small_4lep: Path, real_4lep_file: Path) -> None:
    with uproot.open(small_4lep / DATA) as handle:
        tree = handle["mini"].arrays(library="ak")
    assert len(tree) > 0
    assert len(np.unique(tree["eventNumber"].to_numpy())) == len(tree)
    assert np.all(tree["channelNumber"].to_numpy() == tree["runNumber"].to_numpy())
    with uproot.open(real_4lep_file) as handle:
        real = handle["mini"].arrays(
            ["mcWeight", "XSection", "SumWeights", "scaleFactor_PILEUP"], library="np"
        )
    for name in ("mcWeight", "XSection", "SumWeights", "scaleFactor_PILEUP"):
        assert np.all(tree[name].to_numpy() == real[name][0])
    for name in ntuple.TRUTH_BRANCHES:  # no truth information in data, as in the real file
        assert sum(len(x) for x in tree[name]) == 0
    assert np.all(tree["lep_n"].to_numpy() >= 4)
