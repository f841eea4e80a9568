"""The k-fold rule event by event, and clear errors for model files of another format or version."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from higgshunt import native
from higgshunt.artifacts import trained_model
from higgshunt.errors import ModelFormatError
from higgshunt.inference import export_model, is_current
from inference_models import events, keras_model, save_keras_dir


@pytest.fixture(scope="module")
def three_fold_models():
    return [keras_model([(8, "relu")], seed=20 + i) for i in range(3)]


@pytest.fixture(scope="module")
def kfold_export(tmp_path_factory, three_fold_models):
    """Exported once per module; tests that change the directory work on a copy."""
    directory = save_keras_dir(tmp_path_factory.mktemp("kfold") / "model", three_fold_models)
    return directory, export_model(directory)


@pytest.fixture
def kfold_copy(kfold_export, tmp_path):
    directory = shutil.copytree(kfold_export[0], tmp_path / "model")
    return directory, directory / kfold_export[1].name


def test_each_event_scored_by_the_fold_that_did_not_see_it(kfold_export, three_fold_models) -> None:
    _, path = kfold_export
    x = events(600, seed=3)
    event_number = np.random.default_rng(4).integers(0, 10**9, len(x)).astype(np.int64)
    event_number[:3] = [0, 1, 2]
    got = native.core().Model(str(path)).evaluate(x, event_number)
    per_fold = np.stack([np.asarray(m.predict(x, verbose=0)).ravel() for m in three_fold_models])
    for i in range(len(x)):
        fold = int(event_number[i]) % 3
        assert got[i] == pytest.approx(per_fold[fold, i], abs=1e-5), f"event {event_number[i]} (fold {fold})"
        others = [f for f in range(3) if f != fold]
        assert all(abs(got[i] - per_fold[f, i]) > 1e-7 for f in others)


@pytest.mark.parametrize("event_number", [0, 1, 2, 3, 7, 10**12 + 5, -1, -5])
def test_fold_is_python_modulo(event_number: int) -> None:
    assert native.core().Model.fold(event_number, 3) == event_number % 3


def test_kfold_model_needs_event_numbers(kfold_export) -> None:
    _, path = kfold_export
    with pytest.raises(ValueError, match="3 folds needs event_number"):
        native.core().Model(str(path)).evaluate(events(2, seed=1))


def test_reexport_only_when_the_model_changes(kfold_copy) -> None:
    import keras

    directory, path = kfold_copy
    assert is_current(directory, path)
    model = keras.saving.load_model(directory / "fold0.keras")
    model.layers[-1].bias.assign([3.0])
    model.save(directory / "fold0.keras")
    assert not is_current(directory, path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d.update(version=2),
            r"model format version 2 is not supported \(this build reads version 1\)",
        ),
        (lambda d: d.update(format="onnx"), "not a higgshunt-model file"),
        (lambda d: d.pop("features"), "missing key 'features'"),
        (lambda d: d.update(n_folds=2), "expected n_folds = 2 models"),
        (
            lambda d: d["folds"][1]["layers"][0].update(kernel=[1.0]),
            r"folds\[1\]\.layers\[0\]\.kernel: expected 48",
        ),
        (lambda d: d["folds"][0]["layers"][0].update(activation="gelu"), "unknown activation 'gelu'"),
    ],
)
def test_bad_model_file_names_the_file(kfold_export, tmp_path, edit, message: str) -> None:
    _, path = kfold_export
    document = json.loads(path.read_text())
    edit(document)
    bad = tmp_path / "bad_model.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(RuntimeError, match=message) as info:
        native.core().Model(str(bad))
    assert str(bad) in str(info.value)


def test_not_json_and_missing_file(tmp_path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(RuntimeError, match="broken.json: not a valid JSON file"):
        native.core().Model(str(bad))
    with pytest.raises(RuntimeError, match="nothere.json: cannot open"):
        native.core().Model(str(tmp_path / "nothere.json"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(version=4), "format version 4, this higgshunt reads version 3"),
        (lambda m: m.update(format="other"), "format: 'higgshunt-trained' was expected"),
        (lambda m: m.update(backend="tmva"), r"'fold0.keras' of a tmva model must end in \.weights\.xml"),
        (lambda m: m.update(kind="gan"), "kind: 'gan' is not one of"),
        (lambda m: m.update(files=["fold0.keras"]), "must list 3 model files"),
        (lambda m: m.update(files=["a.keras", "b.keras", "c.keras"]), "a.keras does not exist"),
        (lambda m: m.update(score="reconstruction_mse"), "does not go with kind 'dnn'"),
    ],
)
def test_bad_manifest_names_the_file_and_key(kfold_copy, edit, message: str) -> None:
    directory, _ = kfold_copy
    manifest = json.loads((directory / "manifest.json").read_text())
    edit(manifest)
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError, match=message) as info:
        trained_model.load(directory)
    assert "manifest.json" in str(info.value)


def test_cli_export(kfold_copy, tmp_path, capsys) -> None:
    from higgshunt.cli import main

    directory, _ = kfold_copy
    out = tmp_path / "exported.json"
    assert main(["export", str(directory), "--output", str(out)]) == 0
    assert json.loads(out.read_text())["n_folds"] == 3
    assert main(["export", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("higgshunt export: error:") and "manifest.json: no such file" in err
    assert len(err.splitlines()) == 1
