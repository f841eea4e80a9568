"""The label says what the data are: the TNamed `data_kind` of the input file picks "Open Data", "Pseudo-data"
or "Simulation" after "ATLAS"; an unknown kind is a one-line error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from higgshunt.errors import HiggshuntError
from higgshunt.plotting import run_macro

pytestmark = pytest.mark.slow


def _with_kind(source: Path, folder: Path, kind: str | None) -> Path:
    import ROOT

    path = folder / "input.root"
    shutil.copy(source, path)
    if kind is not None:
        handle = ROOT.TFile.Open(str(path), "UPDATE")
        ROOT.TNamed("data_kind", kind).Write()
        handle.Close()
    return path


def _texts(path: Path, pad: str | None) -> list[str]:
    """The text of every TLatex drawn on the saved canvas (in sub-pad `pad` when given)."""
    import ROOT

    handle = ROOT.TFile.Open(str(path))
    try:
        canvas = handle.Get("canvas")
        target = canvas.GetPrimitive(pad) if pad else canvas
        return [p.GetTitle() for p in target.GetListOfPrimitives() if p.InheritsFrom("TLatex")]
    finally:
        handle.Close()


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("open_data", "Open Data"),
        ("pseudo_data", "Pseudo-data"),
        ("simulation", "Simulation"),
        (None, "Open Data"),  # files that do not say keep the data label
    ],
)
def test_stack_label_follows_data_kind(stack_input, tmp_path: Path, kind: str | None, status: str) -> None:
    path = _with_kind(stack_input.path, tmp_path, kind)
    output = tmp_path / "stack.root"
    run_macro("plot_stack", path, "ml", output=output)
    texts = _texts(output, "upper")
    assert texts[:2] == ["ATLAS", status]
    others = {"Open Data", "Pseudo-data", "Simulation"} - {status}
    assert not others & set(texts)


@pytest.mark.parametrize(("kind", "status"), [("pseudo_data", "Pseudo-data"), ("simulation", "Simulation")])
def test_cutflow_label_follows_data_kind(cutflow_input, tmp_path: Path, kind: str, status: str) -> None:
    path = _with_kind(cutflow_input[0], tmp_path, kind)
    output = tmp_path / "cutflow.root"
    run_macro("plot_cutflow", path, output=output)
    assert _texts(output, None)[:2] == ["ATLAS", status]


def test_unknown_data_kind_is_an_error(stack_input, tmp_path: Path) -> None:
    path = _with_kind(stack_input.path, tmp_path, "real")
    with pytest.raises(
        HiggshuntError, match="data_kind is 'real', expected open_data, pseudo_data or simulation"
    ):
        run_macro("plot_stack", path, "ml", output=tmp_path / "stack.png")
