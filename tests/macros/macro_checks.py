"""Checks on what the plotting macros wrote: images, and the numbers drawn on a canvas saved as `.root`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, width: int, height: int) -> None:
    """A valid PNG of width x height pixels that is not blank (its pixels vary)."""
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    image = imread(path)
    assert image.shape[:2] == (height, width)
    assert float(np.std(image[..., :3])) > 0.05, f"{path} is blank"


def assert_pdf(path: Path) -> None:
    """A complete PDF file: header at the start, end-of-file marker at the end."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-"), f"{path} is not a PDF"
    assert b"%%EOF" in data[-1024:], f"{path} is truncated"


def _primitive(path: Path, name: str, pad: str | None):
    """A detached copy of the object `name` drawn on the saved canvas (in sub-pad `pad` when given)."""
    import ROOT

    handle = ROOT.TFile.Open(str(path))
    try:
        canvas = handle.Get("canvas")
        assert canvas, f"no canvas in {path}"
        target = canvas.GetPrimitive(pad) if pad else canvas
        assert target, f"no pad '{pad}' in {path}"
        found = target.GetPrimitive(name)
        assert found, f"nothing named '{name}' drawn in {path}"
        copy = found.Clone(f"{name}_copy")
        if hasattr(copy, "SetDirectory"):
            copy.SetDirectory(ROOT.nullptr)
        return copy
    finally:
        handle.Close()


def graph_arrays(path: Path, name: str, pad: str | None = None) -> dict[str, np.ndarray]:
    """x, y and the low/high y errors of a drawn graph."""
    graph = _primitive(path, name, pad)
    n = graph.GetN()
    out = {
        "x": np.array([graph.GetPointX(i) for i in range(n)]),
        "y": np.array([graph.GetPointY(i) for i in range(n)]),
    }
    if graph.InheritsFrom("TGraphAsymmErrors"):
        out["low"] = np.array([graph.GetErrorYlow(i) for i in range(n)])
        out["high"] = np.array([graph.GetErrorYhigh(i) for i in range(n)])
    return out


def hist_contents(path: Path, name: str, pad: str | None = None) -> np.ndarray:
    """Bin contents of a drawn TH1 (1-d array) or TH2 (array [x bin, y bin])."""
    hist = _primitive(path, name, pad)
    nx, ny = hist.GetNbinsX(), hist.GetNbinsY()
    if hist.GetDimension() == 1:
        return np.array([hist.GetBinContent(i) for i in range(1, nx + 1)])
    return np.array([[hist.GetBinContent(i, j) for j in range(1, ny + 1)] for i in range(1, nx + 1)])


def stack_total(path: Path, pad: str = "upper") -> np.ndarray:
    """Bin contents of the sum of everything in the drawn THStack `stack`."""
    stack = _primitive(path, "stack", pad)
    total = stack.GetStack().Last()
    return np.array([total.GetBinContent(i) for i in range(1, total.GetNbinsX() + 1)])


def hist_range(path: Path, name: str, pad: str | None = None) -> tuple[float, float]:
    """The y range (minimum, maximum) a drawn TH1 sets for its pad."""
    hist = _primitive(path, name, pad)
    return float(hist.GetMinimum()), float(hist.GetMaximum())


def count_drawn(path: Path, class_name: str, pad: str | None = None) -> int:
    """How many objects of class `class_name` are drawn on the saved canvas (in sub-pad `pad` when given)."""
    import ROOT

    handle = ROOT.TFile.Open(str(path))
    try:
        canvas = handle.Get("canvas")
        target = canvas.GetPrimitive(pad) if pad else canvas
        return sum(1 for p in target.GetListOfPrimitives() if p.ClassName() == class_name)
    finally:
        handle.Close()
