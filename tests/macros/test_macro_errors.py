"""Bad input: non-zero exit, one line `<macro>: error: ...` naming the file or object, no output left."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from higgshunt.errors import HiggshuntError
from higgshunt.plotting import run_macro
from higgshunt.plotting.macros import MACRO_DIR, root_executable
from higgshunt.skim import histogram_file
from higgshunt.skim.cutflow import Cutflow, CutflowRow


def _bumphunt(
    directory: Path, *, drop: str = "", kind: str = "background", bins: int = 20, empty: bool = False
) -> Path:
    """A one-category bump-hunt file `cat/` with processes bkg and sig; `drop` leaves one histogram out."""
    import ROOT

    path = directory / "bumphunt.root"
    handle = ROOT.TFile.Open(str(path), "RECREATE")
    handle.mkdir("cat").cd()
    for name, process_kind, n_bins in (("bkg", kind, bins), ("sig", "signal", 20), ("data", None, 20)):
        hist = ROOT.TH1D(name, ";m [GeV];", n_bins, 0.0, 10.0)
        if not empty:
            hist.Fill(5.0, 3.0)
        if name != drop:
            hist.Write()
        if process_kind:
            ROOT.TNamed(f"kind_{name}", process_kind).Write()
    handle.Close()
    return path


def _tree(directory: Path, n_entries: int = 5, cells: int = 9) -> Path:
    """A Snapshot of `n_entries` matrices of `cells` cells, tree `events`, branch `rmm`."""
    import ROOT

    path = directory / "snapshot.root"
    frame = ROOT.RDataFrame(n_entries).Define("rmm", f"ROOT::RVec<float>({cells}, 1.f)")
    frame.Snapshot("events", str(path), ["rmm"])
    return path


def _roc_of_wrong_type(directory: Path) -> Path:
    import ROOT

    path = directory / "roc.root"
    handle = ROOT.TFile.Open(str(path), "RECREATE")
    ROOT.TNamed("roc_dnn", "not a graph").Write()
    handle.Close()
    return path


def _cutflows(directory: Path, *, other_cuts: bool = False, zero_first: bool = False) -> Path:
    """A skim histogram file with samples a and b; b's cuts differ or a's first bin is 0 when asked."""
    path = directory / "histograms.root"
    for sample in ("a", "b"):
        cuts = ("all", "other") if other_cuts and sample == "b" else ("all", "four_leptons")
        weight = 0.0 if zero_first and sample == "a" else 1.0
        rows = tuple(CutflowRow(cut, 10, 10 * weight, 10 * weight**2) for cut in cuts)
        histogram_file.write(
            path, sample, {}, Cutflow(sample, rows), histogram_file.SampleRecord("simulation", 1.0, {})
        )
    return path


def _missing(directory: Path) -> Path:
    return directory / "absent.root"


def _text(directory: Path) -> Path:
    path = directory / "notes.root"
    path.write_text("not a ROOT file\n")
    return path


# id -> (macro, input builder (tmp dir -> file), options, text the message must contain)
Case = tuple[str, Callable[[Path], Path], tuple, str]
CASES: dict[str, Case] = {
    "stack_missing_file": ("plot_stack", _missing, (), "absent.root' does not exist"),
    "stack_not_root": ("plot_stack", _text, (), "not a readable ROOT file"),
    "stack_missing_category": ("plot_stack", _bumphunt, ("ml",), "no TDirectory 'ml'"),
    "stack_missing_process": ("plot_stack", partial(_bumphunt, drop="bkg"), (), "no TH1 'bkg' in"),
    "stack_missing_data": ("plot_stack", partial(_bumphunt, drop="data"), (), "no TH1 'data' in"),
    "stack_bad_kind": ("plot_stack", partial(_bumphunt, kind="bkgd"), (), "kind_bkg is 'bkgd'"),
    "stack_binning": ("plot_stack", partial(_bumphunt, bins=7), (), "cat/bkg has another binning"),
    "stack_empty": ("plot_stack", partial(_bumphunt, empty=True), (), "is empty"),
    "stack_bad_mode": ("plot_stack", _bumphunt, ("cat", "side"), "'side' is not one of"),
    "cutflow_missing_file": ("plot_cutflow", _missing, (), "absent.root' does not exist"),
    "cutflow_no_cutflows": ("plot_cutflow", _bumphunt, (), "no sample directory with"),
    "cutflow_missing_sample": ("plot_cutflow", _bumphunt, ("ttbar",), "no TDirectory 'ttbar'"),
    "cutflow_missing_hist": ("plot_cutflow", _bumphunt, ("cat",), "no TH1 'cutflow_weighted'"),
    "cutflow_other_cuts": ("plot_cutflow", partial(_cutflows, other_cuts=True), (), "'b' has other cuts"),
    "cutflow_zero_first": ("plot_cutflow", partial(_cutflows, zero_first=True), ("a",), "no positive first"),
    "cutflow_bad_mode": ("plot_cutflow", _cutflows, ("", "ratio"), "mode 'ratio' is not one of"),
    "roc_missing_file": ("plot_roc", _missing, (), "absent.root' does not exist"),
    "roc_no_curves": ("plot_roc", _bumphunt, (), "no TGraph 'roc_<model>'"),
    "roc_wrong_type": ("plot_roc", _roc_of_wrong_type, (), "roc_dnn is a TNamed"),
    "rmm_missing_file": ("plot_rmm", _missing, (), "absent.root' does not exist"),
    "rmm_missing_tree": ("plot_rmm", _tree, ("mini",), "no TTree 'mini'"),
    "rmm_missing_branch": ("plot_rmm", _tree, ("events", "cells"), "no branch 'cells'"),
    "rmm_no_entries": ("plot_rmm", partial(_tree, n_entries=0), (), "has no entries"),
    "rmm_not_square": ("plot_rmm", partial(_tree, cells=8), (), "8 cells per event"),
    "rmm_wrong_n": ("plot_rmm", _tree, ("events", "rmm", 4), "not 4 x 4"),
    "rmm_label_count": ("plot_rmm", _tree, ("events", "rmm", 0, "MET,j1"), "2 labels"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_line_and_no_output(case: str, tmp_path: Path) -> None:
    macro, build, options, expected = CASES[case]
    source = build(tmp_path)
    out_dir = tmp_path / "plots"
    out_dir.mkdir()
    with pytest.raises(HiggshuntError) as caught:
        run_macro(macro, source, *options, output=out_dir / "plot.png")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{macro}: error: ")
    assert expected in message
    assert list(out_dir.iterdir()) == []  # neither the image nor a temporary file


def test_exit_code_and_last_stderr_line_of_root_itself(tmp_path: Path) -> None:
    missing = tmp_path / "absent.root"
    macro_call = f'{MACRO_DIR}/plot_stack.C("{missing}", "x.png")'
    command = [str(root_executable()), "-l", "-b", "-q", "-n", macro_call]
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=environment, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"plot_stack: error: input file '{missing}' does not exist"
    assert list(tmp_path.iterdir()) == []


def test_unknown_output_format(roc_input, tmp_path: Path) -> None:
    with pytest.raises(HiggshuntError, match=r"must end in \.png, \.pdf"):
        run_macro("plot_roc", roc_input[0], output=tmp_path / "roc.jpg")


def test_unknown_macro_and_missing_input_argument(tmp_path: Path) -> None:
    with pytest.raises(HiggshuntError, match="no macro 'plot_nothing'"):
        run_macro("plot_nothing", "x.root", output=tmp_path / "x.png")
    with pytest.raises(HiggshuntError, match="no input file"):
        run_macro("plot_roc", output=tmp_path / "x.png")


@pytest.mark.parametrize("bad", [float("nan"), "two\nlines"])
def test_arguments_that_are_no_cpp_literal(bad: float | str, roc_input, tmp_path: Path) -> None:
    with pytest.raises(HiggshuntError, match="macro argument"):
        run_macro("plot_roc", roc_input[0], bad, output=tmp_path / "x.png")


def test_cutflow_of_every_sample_leaves_out_empty_ones(tmp_path: Path) -> None:
    """A sample without events has no efficiency: drawn over every sample it is skipped, not fatal."""
    out = run_macro("plot_cutflow", _cutflows(tmp_path, zero_first=True), output=tmp_path / "cutflow.png")
    assert out.exists() and out.stat().st_size > 0
