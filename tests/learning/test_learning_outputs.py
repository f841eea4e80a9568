"""Output safety of `higgshunt train` and `higgshunt evaluate`: a folder higgshunt did not write, a folder
holding the command's input and an existing file are never replaced (and refused before any training); a
full disk is one line naming the output, with nothing left under its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from higgshunt.cli import main
from higgshunt.errors import OutputError
from higgshunt.learning import training
from learning_tables import xgboost_config

REPO = Path(__file__).resolve().parents[2]


def train_args(data: Path, output: Path) -> list[str]:
    return ["train", "--data", str(data), "--features", "x1,x2,x3", "--model", "bdt", "--backend", "xgboost",
            "--folds", "2", "--output", str(output), "--no-progress"]  # fmt: skip


def one_line_error(capsys: pytest.CaptureFixture[str], command: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"higgshunt {command}: error: "), err
    return err


def test_train_never_replaces_a_user_folder(
    tmp_path: Path, blob_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    assert main(train_args(blob_csv, folder)) == 1
    assert "was not written by higgshunt" in one_line_error(capsys, "train")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_train_never_writes_over_its_input(tmp_path: Path, blob_csv: Path, capsys) -> None:
    """The input's folder is refused even when higgshunt wrote it (e.g. a skim output folder)."""
    (blob_csv.parent / ".higgshunt-output").write_text("{}")
    before = sorted(p.name for p in blob_csv.parent.iterdir())
    assert main(train_args(blob_csv, blob_csv.parent)) == 1
    assert "holds this command's input" in one_line_error(capsys, "train")
    assert main(train_args(blob_csv, blob_csv)) == 1
    assert "holds this command's input" in one_line_error(capsys, "train")
    assert sorted(p.name for p in blob_csv.parent.iterdir()) == before


def test_train_never_replaces_a_file(tmp_path: Path, blob_csv: Path, capsys) -> None:
    target = tmp_path / "report.pdf"
    target.write_text("a user's file")
    assert main(train_args(blob_csv, target)) == 1
    assert "is a file; give a folder" in one_line_error(capsys, "train")
    assert target.read_text() == "a user's file"


def test_refused_before_training(tmp_path: Path, blob_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained although the output is refused")

    monkeypatch.setattr(training, "load_dataset", no_training)
    with pytest.raises(OutputError):
        training.train(xgboost_config(blob_csv, folder, 5))


def test_train_replaces_its_own_output(tmp_path: Path, blob_csv: Path) -> None:
    output = tmp_path / "bdt"
    first = training.train(xgboost_config(blob_csv, output, 5))
    (output / "stale.txt").write_text("from the first run")
    second = training.train(xgboost_config(blob_csv, output, 5), force=True)
    assert not (output / "stale.txt").exists() and second.model.files == first.model.files


def test_evaluate_never_replaces_a_user_folder_or_its_inputs(
    tmp_path: Path, blob_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = training.train(xgboost_config(blob_csv, tmp_path / "bdt", 5)).output
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    for output, message in (
        (folder, "was not written by higgshunt"),
        (model, "holds this command's input"),
        (tmp_path, "holds this command's input"),
        (blob_csv, "holds this command's input"),
    ):
        code = main(["evaluate", "--model", str(model), "--data", str(blob_csv), "--output", str(output)])
        assert code == 1
        assert message in one_line_error(capsys, "evaluate")
    assert (folder / "notes.txt").read_text() == "keep" and (model / "fold0.json").exists()


def test_train_on_a_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, blob_csv: Path, run_limited: Any
) -> None:
    output = tmp_path / "bdt"
    script = "import sys\nfrom higgshunt.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    done = run_limited(script, *train_args(blob_csv, output), limit=4000)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [line for line in done.stderr.strip().splitlines() if "higgshunt train: error" in line]
    assert lines == [f"higgshunt train: error: {output}: cannot write (File too large)"], done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [blob_csv.name]
