"""The k-fold dnn training: out-of-fold scores, the trained-model contract, reloading, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from higgshunt.artifacts import trained_model
from higgshunt.learning import kfold, predictors, settings, training
from learning_tables import blobs

TINY = {
    "training": {"folds": 3, "seed": 7, "epochs": 4, "batch_size": 128, "patience": 2, "learning_rate": 0.01},
    "network": {"width": 16, "depth": 2},
    "progress": False,
    "plots": False,
}


def _config(tmp_path: Path, data_path: Path, model: str = "dnn", **extra: Any) -> dict[str, Any]:
    config = {
        "data": {"path": str(data_path), "features": ["x1", "x2", "x3"], "weight": "weight", "mass": "mass"},
        "model": model,
        "output": str(tmp_path / f"out_{model}"),
        **TINY,
        **extra,
    }
    return settings.merged(config)


def test_balanced_weights() -> None:
    y = np.array([1, 0, 0, 0, 1])
    w = np.array([2.0, 1.0, -1.0, 2.0, 0.0])
    out = kfold.balanced_weights(y, w)
    assert out[y == 1].sum() == pytest.approx(out[y == 0].sum()) == pytest.approx(2.5)
    assert np.all(out >= 0) and out[4] == 0.0  # |w| used; zero weights stay zero


@pytest.mark.slow
def test_dnn_kfold_contract_and_reload(tmp_path: Path, blob_csv: Path) -> None:
    result = training.train(_config(tmp_path, blob_csv, plots=True))
    out = result.output
    saved = json.loads((out / "manifest.json").read_text())
    assert saved["format"] == "higgshunt-trained" and saved["version"] == trained_model.VERSION
    assert saved["kind"] == "dnn" and saved["backend"] == "keras" and saved["score"] == "probability"
    assert saved["features"] == ["x1", "x2", "x3"] and saved["n_folds"] == 3
    assert saved["fold_rule"] == "eventNumber % n_folds" and saved["files"] == [
        f"fold{i}.keras" for i in range(3)
    ]
    assert "versions" in saved["provenance"] and "config_hash" in saved["provenance"]
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "model",
        "features",
        "n_train",
        "n_test",
        "seed",
        "train_seconds",
        "auc",
        "auc_std",
        "auc_weighted",
        "bkg_eff_at_sig_eff",
        "significance_asimov_best",
        "ams_best",
        "r50",
        "jsd50",
        "ks_pvalue",
    ):
        assert key in metrics, key
    assert metrics["n_test"] == 1200 and metrics["auc"] > 0.75
    for name in ("roc", "scores", "loss", "significance", "mass_sculpting"):
        assert (out / f"{name}.png").exists() and (out / f"{name}.pdf").exists()
    assert "![roc](roc.png)" in (out / "summary.md").read_text()
    # the saved models reproduce the out-of-fold AUC through the fold rule
    trained = predictors.load(out)
    frame = blobs()
    score = trained.score(frame[["x1", "x2", "x3"]].to_numpy(), frame["eventNumber"].to_numpy() % 3)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(frame["label"], score) == pytest.approx(metrics["auc"], abs=1e-6)
    # self-contained: first layer normalises, only contract layers follow
    import keras

    model = keras.models.load_model(out / "fold0.keras")
    kinds = [layer.__class__.__name__ for layer in model.layers]
    assert kinds[:2] == ["InputLayer", "Normalization"]
    assert set(kinds[2:]) <= {"Dense", "Dropout", "BatchNormalization"}


@pytest.mark.slow
def test_same_seed_same_metrics(tmp_path: Path, blob_csv: Path) -> None:
    first = training.train(_config(tmp_path / "a", blob_csv)).metrics
    second = training.train(_config(tmp_path / "b", blob_csv)).metrics
    for key in ("auc", "auc_std", "significance_asimov_best", "r50"):
        assert first[key] == pytest.approx(second[key], abs=1e-3)


@pytest.mark.slow
def test_early_stopping_restores_best(tmp_path: Path, blob_frame) -> None:  # type: ignore[no-untyped-def]
    from higgshunt.learning import data

    ds = data.prepare(blob_frame, features=["x1", "x2", "x3"], label="label")
    fit, val = kfold.split_validation(ds, 0.3, 1)
    options = {
        **settings.fit_settings(settings.merged({"network": {"width": 32, "depth": 2}})),
        "epochs": 25,
        "patience": 2,
        "learning_rate": 0.05,
        "seed": 1,
    }
    model = kfold.fit_dnn(fit, val, options)
    history = model.history
    best = int(np.argmin(history["val_loss"]))
    assert len(history["val_loss"]) <= best + 1 + 2  # stopped `patience` epochs after the best
    import keras

    clf = model.model
    clf.compile(loss="binary_crossentropy")
    restored = clf.evaluate(
        val.x.astype(np.float32),
        val.y.astype(np.float32),
        sample_weight=kfold.balanced_weights(val.y, val.weight),
        verbose=0,
    )
    assert restored == pytest.approx(history["val_loss"][best], rel=1e-3)
    assert keras is not None


@pytest.mark.parametrize("batch_norm", [False, True])
def test_saved_classifier_is_readable_by_the_inference(tmp_path: Path, batch_norm: bool) -> None:
    """The layers the builders use are the ones the C++ inference's converter accepts (shared contract)."""
    networks = pytest.importorskip("higgshunt.inference.networks")
    from higgshunt.learning.models import DenseSpec, build_classifier

    x = np.random.default_rng(0).normal(size=(200, 3))
    model = build_classifier(x, DenseSpec((8, 4), "elu", dropout=0.1, batch_norm=batch_norm))
    model.save(tmp_path / "fold0.keras")
    converted = networks.convert_keras(tmp_path / "fold0.keras", 3)
    assert converted


def test_cosine_schedule_by_hand() -> None:
    """lr(epoch) = lr0 * (1 + cos(pi * epoch / epochs)) / 2: lr0 first, half way at the middle, -> 0."""
    rate = kfold._cosine({"learning_rate": 0.01, "epochs": 10})
    assert rate(0, 0.0) == pytest.approx(0.01)
    assert rate(5, 0.0) == pytest.approx(0.005)
    assert rate(9, 0.0) == pytest.approx(0.01 * (1 + np.cos(0.9 * np.pi)) / 2)


@pytest.mark.slow
def test_robust_scaler_is_saved_in_the_normalization(tmp_path: Path) -> None:
    """With `network.scaler: robust` the saved Normalization holds the median and (IQR / 1.349)^2, which the
    exported model (C++ inference) reproduces."""
    import keras
    from higgshunt.inference import export_model

    frame = blobs(600)
    frame["x3"] = np.random.default_rng(1).standard_cauchy(len(frame))  # tails a mean/std would follow
    table = tmp_path / "t.csv"
    frame.to_csv(table, index=False)
    config = _config(tmp_path, table, network={"width": 8, "depth": 1, "scaler": "robust"})
    config["training"]["folds"] = 2
    result = training.train(settings.merged(config))
    norm = keras.models.load_model(result.output / "fold0.keras").get_layer("normalization")
    train_rows = frame[frame["eventNumber"] % 2 == 1][["x1", "x2", "x3"]].to_numpy()
    median = np.asarray(norm.mean).ravel()
    assert abs(median[2]) < 0.3 and np.sqrt(np.asarray(norm.variance).ravel()[2]) < 3.0  # Cauchy: IQR 2
    # the robust centre is a median of fold 0's learning events (a subset of fold 1), so it lies within them
    assert train_rows[:, 0].min() <= median[0] <= train_rows[:, 0].max()
    assert export_model(result.output).exists()  # the C++ check against Keras passes inside
