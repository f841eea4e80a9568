"""bumphunt.root: round trip in the plot_stack layout, format version, corrupt and truncated files, a full
disk (ROOT only prints a SysError there), and the macro reading what `save` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from higgshunt.artifacts import category_histograms
from higgshunt.artifacts.category_histograms import CategoryHistograms, CategoryHistogramsError
from higgshunt.errors import OutputError

KINDS = {"h125": "signal", "zz": "background", "ttbar": "background"}
EDGES = np.linspace(80.0, 170.0, 19)


def _hist(name: str, contents: np.ndarray) -> Any:
    import ROOT

    hist = ROOT.TH1D(name, f"{name};m_{{4l}} [GeV];", len(contents), EDGES)
    hist.SetDirectory(ROOT.nullptr)
    hist.Sumw2(True)
    for i, value in enumerate(contents, start=1):
        hist.SetBinContent(i, float(value))
        hist.SetBinError(i, 0.1 * float(value))
    return hist


def make(
    lumi_fb: float | None = 36.1, categories: tuple[str, ...] = ("cutbased", "ml")
) -> CategoryHistograms:
    rng = np.random.default_rng(1)
    by_category = {}
    for category in categories:
        hists = {name: _hist(name, rng.uniform(0.0, 5.0, len(EDGES) - 1)) for name in KINDS}
        hists["total_signal"] = _hist("total_signal", np.zeros(len(EDGES) - 1) + 1.0)
        hists["total_background"] = _hist("total_background", np.zeros(len(EDGES) - 1) + 2.0)
        hists["data"] = _hist("data", rng.poisson(3.0, len(EDGES) - 1).astype(float))
        by_category[category] = hists
    return CategoryHistograms(
        categories=by_category,
        kinds=KINDS,
        lumi_fb=lumi_fb,
        data_kind="pseudo_data",
        provenance={"higgshunt": "test", "config": {"channel": "hzz4l"}},
    )


def _contents(hist: Any) -> list[float]:
    return [hist.GetBinContent(i) for i in range(hist.GetNbinsX() + 2)]


@pytest.mark.parametrize("lumi_fb", [36.1, None])
def test_round_trip(tmp_path: Path, lumi_fb: float | None) -> None:
    original = make(lumi_fb)
    written = category_histograms.save(tmp_path, original)
    assert written == tmp_path / category_histograms.FILE_NAME
    loaded = category_histograms.load(tmp_path)
    assert loaded.kinds == KINDS and loaded.lumi_fb == lumi_fb
    assert loaded.data_kind == "pseudo_data" and loaded.provenance == original.provenance
    assert list(loaded.categories) == ["cutbased", "ml"]
    for category, hists in original.categories.items():
        assert set(loaded.categories[category]) == set(hists)
        for name, hist in hists.items():
            assert _contents(loaded.categories[category][name]) == _contents(hist)
            assert loaded.categories[category][name].GetBinError(3) == pytest.approx(hist.GetBinError(3))


def test_the_layout_plot_stack_reads(tmp_path: Path) -> None:
    import ROOT

    category_histograms.save(tmp_path, make())
    handle = ROOT.TFile.Open(str(tmp_path / category_histograms.FILE_NAME))
    try:
        assert handle.Get("format_version").GetVal() == category_histograms.FORMAT_VERSION
        assert handle.Get("lumi_fb").GetVal() == pytest.approx(36.1)
        assert handle.Get("data_kind").GetTitle() == "pseudo_data"
        names = [key.GetName() for key in handle.Get("ml").GetListOfKeys()]
    finally:
        handle.Close()
    kinds = [name for name in names if name.startswith("kind_")]
    assert kinds == ["kind_zz", "kind_ttbar", "kind_h125"]  # backgrounds first: plot_stack's stacking order
    assert {"data", "total_signal", "total_background", "zz", "ttbar", "h125"} <= set(names)


@pytest.mark.slow
def test_plot_stack_draws_the_saved_file(tmp_path: Path) -> None:
    from higgshunt.plotting import run_macro

    category_histograms.save(tmp_path, make())
    image = run_macro("plot_stack", category_histograms.path(tmp_path), "ml", output=tmp_path / "stack.png")
    assert Path(image).stat().st_size > 10_000


def _set_version(path: Path, version: int | None) -> None:
    import ROOT

    handle = ROOT.TFile.Open(str(path), "UPDATE")
    handle.Delete("format_version;*")
    if version is not None:
        ROOT.TParameter["int"]("format_version", version).Write()
    handle.Close()


@pytest.mark.parametrize(("version", "found"), [(2, "2"), (None, "None")])
def test_another_format_version_is_refused(tmp_path: Path, version: int | None, found: str) -> None:
    path = category_histograms.save(tmp_path, make())
    _set_version(path, version)
    with pytest.raises(
        CategoryHistogramsError, match=f"format version {found}, this higgshunt reads version 1"
    ):
        category_histograms.load(tmp_path)


def test_a_missing_histogram_is_named(tmp_path: Path) -> None:
    import ROOT

    path = category_histograms.save(tmp_path, make())
    handle = ROOT.TFile.Open(str(path), "UPDATE")
    handle.Get("ml").Delete("zz;*")
    handle.Close()
    with pytest.raises(CategoryHistogramsError, match="no histogram ml/zz"):
        category_histograms.load(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plain text, not ROOT\n", "not a readable ROOT file"),
        (b"", "not a readable ROOT file"),
    ],
)
def test_foreign_files(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    (tmp_path / category_histograms.FILE_NAME).write_bytes(content)
    with pytest.raises(CategoryHistogramsError, match=message) as error:
        category_histograms.load(tmp_path)
    assert str(tmp_path / category_histograms.FILE_NAME) in str(error.value)
    assert capfd.readouterr().err == ""  # ROOT's own complaint is not printed


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    path = category_histograms.save(tmp_path, make())
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CategoryHistogramsError, match="truncated|not a readable ROOT file"):
        category_histograms.load(tmp_path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CategoryHistogramsError, match="no such file"):
        category_histograms.load(tmp_path)


def test_an_object_missing_after_the_write_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """The reopened file must hold every object; one lost (here: never written) fails the save."""
    real = category_histograms._fill

    def lossy(handle: Any, histograms: CategoryHistograms) -> None:
        real(handle, histograms)
        handle.Get("ml").Delete("data;*")

    monkeypatch.setattr(category_histograms, "_fill", lossy)
    with pytest.raises(
        OutputError, match=r"bumphunt.root: cannot write \(the written ROOT file lacks ml/data\)"
    ):
        category_histograms.save(tmp_path, make())
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_output_error_and_leaves_nothing(tmp_path: Path, save_on_a_full_disk: Any) -> None:
    """ROOT prints "SysError ... File too large" and returns normally; save must notice, print nothing of
    ROOT's, and leave neither the final file nor a temporary one."""
    many = "test.make(categories=tuple(f'cat{i}' for i in range(30)))"
    message = save_on_a_full_disk(
        "test_category_histograms", f"test.category_histograms.save(folder, {many})", 8192
    )
    assert message == f"{tmp_path / category_histograms.FILE_NAME}: cannot write (File too large)"
    assert list(tmp_path.iterdir()) == []
