"""The label says what the data are: the TNamed `data_kind` of the input file picks "ATLAS Open Data",
"higgshunt pseudo-data" or "higgshunt simulation" (the words of higgshunt.plotting.data_label, shared with
every matplotlib plot); an unknown kind is a one-line error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from higgshunt.errors import HiggshuntError
from higgshunt.plotting import DATA_KINDS, data_label, display_name, run_macro

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
    "kind",
    ["open_data", "pseudo_data", "pseudo_data_injected", "simulation", None],  # None: files that do not say
)
def test_stack_label_follows_data_kind(stack_input, tmp_path: Path, kind: str | None) -> None:
    path = _with_kind(stack_input.path, tmp_path, kind)
    output = tmp_path / "stack.root"
    run_macro("plot_stack", path, "ml", output=output)
    texts = _texts(output, "upper")
    assert texts[:2] == list(data_label(kind or "open_data"))
    others = {data_label(k).status for k in DATA_KINDS} - {texts[1]}
    assert not others & set(texts)
    # only real data carry the experiment's name
    assert (texts[0] == "ATLAS") == (kind in ("open_data", None))


@pytest.mark.parametrize(("category", "shown"), [("ml", "ML selection"), ("cutbased", "cut-based selection")])
def test_stack_prints_the_category_display_name(
    stack_input, tmp_path: Path, category: str, shown: str
) -> None:
    output = tmp_path / "stack.root"
    run_macro("plot_stack", stack_input.path, category, output=output)
    texts = _texts(output, "upper")
    assert shown == display_name(category) and shown in texts and category not in texts


@pytest.mark.parametrize("kind", ["pseudo_data", "simulation"])
def test_cutflow_label_follows_data_kind(cutflow_input, tmp_path: Path, kind: str) -> None:
    path = _with_kind(cutflow_input[0], tmp_path, kind)
    output = tmp_path / "cutflow.root"
    run_macro("plot_cutflow", path, output=output)
    assert _texts(output, None)[:2] == ["higgshunt", data_label(kind).status]


def test_unknown_data_kind_is_an_error(stack_input, tmp_path: Path) -> None:
    path = _with_kind(stack_input.path, tmp_path, "real")
    with pytest.raises(
        HiggshuntError, match="data_kind: data kind 'real' is not one of open_data, pseudo_data"
    ):
        run_macro("plot_stack", path, "ml", output=tmp_path / "stack.png")
