"""The trained-model directory: save/load round trip and the one consistency check every loader relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from higgshunt.artifacts import trained_model
from higgshunt.errors import ModelFormatError

FEATURES = ["a", "b", "c", "d"]
REPO = Path(__file__).resolve().parents[2]


def booster(n_features: int = 4, seed: int = 0, names: list[str] | None = None) -> Any:
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, n_features))
    matrix = xgb.DMatrix(x, label=(x[:, 0] > 0).astype(float), feature_names=names)
    return xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1}, matrix, 5)


def save_bdt(directory: Path, n_folds: int = 2, **overrides: Any) -> trained_model.TrainedModel:
    arguments: dict[str, Any] = {
        "kind": "bdt",
        "backend": "xgboost",
        "features": FEATURES,
        "models": [booster(seed=i) for i in range(n_folds)],
        "derived": {"a": "x / y", "unused": "z * 2"},
        "provenance": {"config_hash": "abc"},
        "settings": {"data": {"label": "label"}, "training": {"seed": 3}},
    }
    return trained_model.save(directory, **{**arguments, **overrides})


@pytest.fixture(scope="module")
def bdt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trained") / "model"
    save_bdt(directory)
    return directory


@pytest.fixture
def bdt_copy(bdt_dir: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(bdt_dir, tmp_path / "model"))


def edit_manifest(directory: Path, edit: Callable[[dict[str, Any]], Any]) -> None:
    path = directory / trained_model.FILE_NAME
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


def test_round_trip(bdt_dir: Path) -> None:
    loaded = trained_model.load(bdt_dir)
    assert loaded.kind == "bdt" and loaded.backend == "xgboost" and loaded.score == "probability"
    assert loaded.features == tuple(FEATURES) and loaded.n_folds == 2
    assert loaded.files == (bdt_dir / "fold0.json", bdt_dir / "fold1.json")
    assert loaded.derived == {"a": "x / y"}  # only the computed inputs among the features
    assert loaded.provenance == {"config_hash": "abc"}
    assert loaded.settings == {"data": {"label": "label"}, "training": {"seed": 3}}
    assert loaded.fold_rule == "eventNumber % n_folds" and not loaded.anomaly
    assert trained_model.load(bdt_dir) == loaded
    assert len(loaded.source_hash()) == 64


def test_save_returns_the_checked_model(tmp_path: Path) -> None:
    saved = save_bdt(tmp_path / "m", n_folds=1)
    assert saved == trained_model.load(tmp_path / "m") and saved.n_folds == 1


def test_old_version_names_both_versions(bdt_copy: Path) -> None:
    edit_manifest(bdt_copy, lambda m: m.update(version=1))
    with pytest.raises(ModelFormatError) as info:
        trained_model.load(bdt_copy)
    message = str(info.value)
    assert str(bdt_copy / trained_model.FILE_NAME) in message
    assert "format version 1" in message and f"reads version {trained_model.VERSION}" in message


def test_svm_is_refused(bdt_copy: Path) -> None:
    edit_manifest(bdt_copy, lambda m: m.update(kind="svm"))
    with pytest.raises(ModelFormatError, match="kind: 'svm' is not one of"):
        trained_model.load(bdt_copy)


def test_manifest_listing_two_of_four_booster_features_is_refused(bdt_copy: Path) -> None:
    edit_manifest(bdt_copy, lambda m: m.update(features=["a", "b"], derived={}))
    with pytest.raises(
        ModelFormatError, match=r"fold0\.json: the booster has 4 features, the manifest lists 2"
    ):
        trained_model.load(bdt_copy)


def test_booster_feature_names_must_match(tmp_path: Path) -> None:
    directory = tmp_path / "named"
    directory.mkdir()
    booster(names=["d", "c", "b", "a"]).save_model(str(directory / "fold0.json"))
    save_bdt(tmp_path / "ok", n_folds=1)
    (tmp_path / "ok" / trained_model.FILE_NAME).rename(directory / trained_model.FILE_NAME)
    with pytest.raises(ModelFormatError, match="feature names .* differ from the manifest's features"):
        trained_model.load(directory)


def test_missing_fold_file(bdt_copy: Path) -> None:
    (bdt_copy / "fold1.json").unlink()
    with pytest.raises(ModelFormatError, match=r"listed model file .*fold1\.json does not exist"):
        trained_model.load(bdt_copy)


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]"])
def test_corrupt_manifest_is_one_line(bdt_copy: Path, text: str) -> None:
    (bdt_copy / trained_model.FILE_NAME).write_text(text)
    with pytest.raises(ModelFormatError) as info:
        trained_model.load(bdt_copy)
    assert str(bdt_copy / trained_model.FILE_NAME) in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="no such file"):
        trained_model.load(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format="onnx"), "format: 'higgshunt-trained' was expected"),
        (lambda m: m.update(backend="catboost"), "backend: 'catboost' is not one of"),
        (
            lambda m: m.update(score="reconstruction_mse"),
            "score 'reconstruction_mse' does not go with kind 'bdt'",
        ),
        (lambda m: m.update(files=["fold0.json"]), "must list 2 model files"),
        (lambda m: m.update(files=["fold0.keras", "fold1.json"]), "must end in .json"),
        (lambda m: m.update(files=["../fold0.json", "fold1.json"]), r"files\[0\]"),
        (lambda m: m.update(derived={"e": "a * 2"}), r"derived columns \['e'\] are not among the features"),
        (lambda m: m.update(fold_rule="eventNumber % 2"), "fold_rule"),
        (lambda m: m.pop("features"), "'features' is a required property"),
        (lambda m: m.update(extra=1), "unknown key 'extra'"),
        (lambda m: m.update(n_folds=0), "n_folds"),
    ],
)
def test_inconsistent_manifest_names_file_and_problem(bdt_copy: Path, edit: Any, message: str) -> None:
    edit_manifest(bdt_copy, edit)
    with pytest.raises(ModelFormatError, match=message) as info:
        trained_model.load(bdt_copy)
    assert trained_model.FILE_NAME in str(info.value) and len(str(info.value).splitlines()) == 1


def test_corrupt_fold_file(bdt_copy: Path) -> None:
    (bdt_copy / "fold0.json").write_text("{trunc")
    with pytest.raises(ModelFormatError, match=r"fold0\.json: not an XGBoost JSON model"):
        trained_model.load(bdt_copy)


def test_corrupt_settings(bdt_copy: Path) -> None:
    (bdt_copy / trained_model.SETTINGS).write_text("{")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        trained_model.load(bdt_copy)


def test_keras_input_width_must_match(tmp_path: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    saved = trained_model.save(
        tmp_path / "dnn",
        kind="dnn",
        backend="keras",
        features=["a", "b", "c"],
        models=[model],
        derived={},
        provenance={},
        settings={},
    )
    assert saved.features == ("a", "b", "c") and saved.files[0].name == "fold0.keras"
    edit_manifest(tmp_path / "dnn", lambda m: m.update(features=["a", "b"]))
    with pytest.raises(
        ModelFormatError, match=r"fold0\.keras: the Keras model has 3 features, the manifest lists 2"
    ):
        trained_model.load(tmp_path / "dnn")
    (tmp_path / "dnn" / "fold0.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelFormatError, match="not a Keras model archive"):
        trained_model.load(tmp_path / "dnn")


def tmva_weights(path: Path, names: list[str]) -> None:
    variables = "".join(
        f'<Variable VarIndex="{i}" Expression="{n}" Label="{n}"/>' for i, n in enumerate(names)
    )
    path.write_text(
        f'<?xml version="1.0"?><MethodSetup><Variables NVar="{len(names)}">{variables}</Variables>'
        "</MethodSetup>"
    )


def test_tmva_variables_must_match(tmp_path: Path) -> None:
    weights = tmp_path / "trained.weights.xml"
    tmva_weights(weights, FEATURES)
    saved = save_bdt(tmp_path / "tmva", n_folds=1, backend="tmva", models=[weights])
    assert saved.backend == "tmva" and saved.files[0].name == "fold0.weights.xml" and not weights.exists()
    tmva_weights(saved.files[0], ["a", "c", "b", "d"])
    with pytest.raises(ModelFormatError, match="TMVA weight file's feature names"):
        trained_model.load(tmp_path / "tmva")


@pytest.mark.parametrize("backend", ["xgboost", "keras"])
def test_full_disk_while_saving_is_one_output_error(tmp_path: Path, backend: str) -> None:
    """A fold model that does not fit (file size limit) is an OutputError naming the output, and nothing is
    left under the output's name."""
    script = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(REPO / "tests" / "artifacts")!r})
        from higgshunt.artifacts import trained_model
        from higgshunt.errors import OutputError
        from higgshunt.outputs import atomic_output
        from test_trained_model import booster, FEATURES
        if {backend!r} == "keras":
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(256), keras.layers.Dense(1)])
            kind = "dnn"
        else:
            model, kind = booster(), "bdt"
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
        try:
            with atomic_output({str(tmp_path / "out")!r}) as tmp:
                trained_model.save(tmp, kind=kind, backend={backend!r}, features=FEATURES, models=[model],
                                   derived={{}}, provenance={{}}, settings={{}})
        except OutputError as exc:
            print(exc)
            sys.exit(3)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "python"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert done.stdout.strip() == f"{tmp_path / 'out'}: cannot write (File too large)"
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
