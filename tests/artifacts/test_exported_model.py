"""The exported model file (higgshunt-model JSON): save/load round trip, version and consistency checks, and
atomic writes that never replace a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from higgshunt.artifacts import exported_model
from higgshunt.artifacts.exported_model import ExportedModel
from higgshunt.errors import ModelFormatError, OutputError
from higgshunt.outputs import MARKER

TREES = {
    "type": "trees",
    "n_inputs": 2,
    "link": "logistic",
    "base_margin": 0.0,
    "trees": [{"left": [1, -1, -1], "right": [2, -1, -1], "feature": [0, 0, 0], "value": [0.5, -1.0, 1.0]}],
}


def model(**overrides: Any) -> ExportedModel:
    fields: dict[str, Any] = {
        "kind": "bdt",
        "score": "probability",
        "features": ("x", "y"),
        "folds": (TREES, TREES),
        "source": {"sha256": "f" * 64, "backend": "xgboost"},
        "provenance": {"check": True},
    }
    return ExportedModel(**{**fields, **overrides})


def test_round_trip(tmp_path: Path) -> None:
    path = exported_model.save(tmp_path / "m.json", model())
    loaded = exported_model.load(path)
    assert loaded == model()
    assert loaded.n_folds == 2 and loaded.source_hash == "f" * 64
    document = json.loads(path.read_text())
    assert document["format"] == exported_model.FORMAT and document["version"] == exported_model.VERSION
    assert document["fold_rule"] == "eventNumber % n_folds" and document["n_folds"] == 2


def test_default_path_is_inside_the_model_directory(tmp_path: Path) -> None:
    assert exported_model.default_path(tmp_path) == tmp_path / exported_model.FILE_NAME


def rewrite(path: Path, **changes: Any) -> None:
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


def test_other_version_names_both_versions(tmp_path: Path) -> None:
    path = exported_model.save(tmp_path / "m.json", model())
    rewrite(path, version=7)
    with pytest.raises(ModelFormatError) as info:
        exported_model.load(path)
    message = str(info.value)
    assert str(path) in message and "format version 7" in message
    assert f"reads version {exported_model.VERSION}" in message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_folds": 3}, "n_folds is 3, but the file holds 2 fold models"),
        ({"features": ["x"]}, r"folds\[0\] takes 2 inputs, the file lists 1 features"),
        ({"kind": "svm"}, "kind: 'svm' is not one of"),
        ({"format": "onnx"}, "format: 'higgshunt-model' was expected"),
        ({"folds": [{"type": "forest", "n_inputs": 2}]}, r"folds\[0\]\.type"),
        ({"source": {}}, "'sha256' is a required property"),
    ],
)
def test_inconsistent_file_names_the_problem(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    path = exported_model.save(tmp_path / "m.json", model())
    rewrite(path, **changes)
    with pytest.raises(ModelFormatError, match=message):
        exported_model.load(path)


@pytest.mark.parametrize("text", ["{not json", "", "3"])
def test_corrupt_file_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ModelFormatError) as info:
        exported_model.load(path)
    assert str(path) in str(info.value) and len(str(info.value).splitlines()) == 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="no such file"):
        exported_model.load(tmp_path / "none.json")


@pytest.mark.parametrize("marked", [False, True])
def test_a_folder_is_never_replaced_by_the_file(tmp_path: Path, marked: bool) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    if marked:  # even a folder higgshunt wrote: the exported model is a file
        (folder / MARKER).write_text("{}")
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(OutputError) as info:
        exported_model.save(folder, model())
    assert str(folder) in str(info.value) and len(str(info.value).splitlines()) == 1
    assert (folder / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_empty_folder_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        exported_model.save(tmp_path / "out", model())
    assert (tmp_path / "out").is_dir()


def test_failed_check_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = exported_model.save(tmp_path / "m.json", model())
    before = path.read_text()

    def check(tmp: Path) -> None:
        assert exported_model.load(tmp) == model(kind="ae")  # the file being written is readable
        raise ModelFormatError("differs from the library's prediction")

    with pytest.raises(ModelFormatError, match="differs"):
        exported_model.save(path, model(kind="ae"), check=check)
    assert path.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_non_finite_number_is_refused(tmp_path: Path) -> None:
    bad = {**TREES, "base_margin": float("nan")}
    with pytest.raises(ModelFormatError, match="number JSON cannot represent"):
        exported_model.save(tmp_path / "m.json", model(folds=(bad, bad)))
    assert not (tmp_path / "m.json").exists()
