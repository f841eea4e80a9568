"""The demo report's plot review: every PNG the demo wrote in a channel's folder, each with what it shows."""

from __future__ import annotations

from pathlib import Path

from higgshunt import demo

# the plots a full demo writes for one channel (names as in the demo's outputs)
WRITTEN = [
    "cutflow.png",
    "train/roc.png",
    "train/scores.png",
    "train/loss.png",
    "train/adversary_loss.png",
    "train/significance.png",
    "train/mass_sculpting.png",
    "train/sic.png",
    "train/decorrelation_front.png",
    "train_decorrelated/roc.png",
    "bumphunt/stack_cutbased.png",
    "bumphunt/stack_ml_cat2.png",
    "bumphunt/fit_ml/fit.png",
    "bumphunt/fit_ml/scan.png",
]


def test_every_plot_is_listed_with_what_it_shows(tmp_path: Path) -> None:
    channel = tmp_path / "hzz4l"
    for name in WRITTEN:
        (channel / name).parent.mkdir(parents=True, exist_ok=True)
        (channel / name).write_bytes(b"")
    result = demo.DemoResult(output=tmp_path, report=tmp_path / "report.md")
    result.channels["hzz4l"] = {"skim": channel / "skim.h5"}
    lines = demo.plot_review(result)
    rows = {line.split("`")[1]: line.split("|")[2].strip() for line in lines if line.startswith("| `")}
    assert sorted(rows) == sorted(f"hzz4l/{name}" for name in WRITTEN)
    assert "not described" not in rows.values() and all(rows.values())
    assert "in the cut-based selection" in rows["hzz4l/bumphunt/stack_cutbased.png"]
    assert "in the ML selection, category 2" in rows["hzz4l/bumphunt/stack_ml_cat2.png"]
    assert "data in the ML selection," in rows["hzz4l/bumphunt/fit_ml/fit.png"]
    assert not any("{" in text or "cutbased" in text for text in rows.values())


def test_an_unknown_plot_is_listed_as_not_described(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "new_plot.png").write_bytes(b"")
    result = demo.DemoResult(output=tmp_path, report=tmp_path / "report.md")
    result.channels["c"] = {"skim": tmp_path / "c" / "skim.h5"}
    assert "| `c/new_plot.png` | not described |" in demo.plot_review(result)
