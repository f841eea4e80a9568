"""write_roc_file: the layout plot_roc.C reads (read back with PyROOT and uproot), input checks, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.plotting import write_roc_file


def test_round_trip_with_uproot(tmp_path: Path) -> None:
    import uproot

    fpr = np.array([0.0, 0.0, 0.1, 0.4, 1.0])
    tpr = np.array([0.0, 0.3, 0.6, 0.9, 1.0])
    curves = {"dnn": (fpr, tpr, 0.83), "bdt": (fpr**0.5, tpr, 0.7)}
    path = write_roc_file(tmp_path / "roc.root", curves, config={"a": 1})
    with uproot.open(path) as handle:
        graph = handle["roc_dnn"]
        assert graph.classname == "TGraph"
        np.testing.assert_array_equal(graph.member("fX"), tpr)  # x = signal efficiency
        np.testing.assert_array_equal(graph.member("fY"), fpr)  # y = background efficiency
        assert graph.member("fTitle") == "dnn"
        names = sorted(k.split(";")[0] for k in handle.keys())
        assert names == ["auc_bdt", "auc_dnn", "provenance", "roc_bdt", "roc_dnn"]


def test_auc_parameter_and_provenance(tmp_path: Path) -> None:
    import ROOT

    path = write_roc_file(tmp_path / "roc.root", {"m1": ([0.0, 1.0], [0.0, 1.0], 0.5)}, config={"seed": 3})
    handle = ROOT.TFile.Open(str(path))
    try:
        assert handle.Get("auc_m1").GetVal() == pytest.approx(0.5)
        record = json.loads(handle.Get("provenance").GetTitle())
        assert record["config"] == {"seed": 3} and "config_hash" in record and "versions" in record
    finally:
        handle.Close()


def test_points_are_sorted_by_signal_efficiency(tmp_path: Path) -> None:
    import uproot

    fpr = np.array([1.0, 0.0, 0.5, 0.2])
    tpr = np.array([1.0, 0.0, 0.8, 0.8])
    path = write_roc_file(tmp_path / "roc.root", {"m": (fpr, tpr, 0.8)})
    graph = uproot.open(path)["roc_m"]
    np.testing.assert_array_equal(graph.member("fX"), [0.0, 0.8, 0.8, 1.0])
    np.testing.assert_array_equal(graph.member("fY"), [0.0, 0.2, 0.5, 1.0])


@pytest.mark.parametrize(
    ("curves", "message"),
    [
        ({}, "no ROC curves"),
        ({"bad name": ([0.0, 1.0], [0.0, 1.0], 0.5)}, "use letters, digits"),
        ({"m": ([0.0, 1.0], [0.0, 0.5, 1.0], 0.5)}, "one length >= 2"),
        ({"m": ([0.5], [0.5], 0.5)}, "one length >= 2"),
        ({"m": ([0.0, 1.2], [0.0, 1.0], 0.5)}, "background efficiencies must be finite and within"),
        ({"m": ([0.0, 1.0], [np.nan, 1.0], 0.5)}, "signal efficiencies must be finite"),
        ({"m": ([0.0, 1.0], [0.0, 1.0], 1.5)}, "AUC 1.5 is not within"),
        ({"m": ([0.0, 1.0], [0.0, 1.0], float("nan"))}, "is not within"),
    ],
)
def test_bad_curves(curves: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "roc.root"
    with pytest.raises(InputError, match=message):
        write_roc_file(path, curves)
    assert list(tmp_path.iterdir()) == []


def test_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    import uproot

    path = tmp_path / "roc.root"
    write_roc_file(path, {"old": ([0.0, 1.0], [0.0, 1.0], 0.5)})
    write_roc_file(path, {"new": ([0.0, 1.0], [0.0, 1.0], 0.5)})
    assert "roc_old" not in {k.split(";")[0] for k in uproot.open(path).keys()}
    assert sorted(tmp_path.iterdir()) == [path]
