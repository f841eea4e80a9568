"""Autoencoder, VAE and Hyperband tuning on background only; the anomaly score definition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt.inference import export_model
from higgshunt.learning import anomaly, predictors, settings, training

FAST = {
    "training": {"folds": 2, "seed": 5, "epochs": 3, "batch_size": 128, "patience": 2, "learning_rate": 0.01},
    "network": {"width": 8, "depth": 1},
    "anomaly": {"latent": 2},
    "plots": True,
    "progress": False,
}


def _config(tmp_path: Path, data_path: Path, model: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return settings.merged(
        {
            "data": {"path": str(data_path), "features": ["x1", "x2", "x3"], "mass": "mass"},
            "model": model,
            "output": str(tmp_path / model),
            **FAST,
            **extra,
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_autoencoders(tmp_path: Path, blob_csv: Path, kind: str) -> None:
    config = _config(tmp_path, blob_csv, kind)
    config["plots"] = kind == "ae"  # the plots of both kinds are the same code
    result = training.train(config)
    saved = json.loads((result.output / "manifest.json").read_text())
    assert saved["kind"] == kind and saved["score"] == "reconstruction_mse"
    assert "sic_max" in result.metrics and (kind == "vae" or (result.output / "sic.png").exists())
    # score = mean over features of (normalised x - reconstruction)^2, recomputed by hand from the saved model
    import keras

    model = keras.models.load_model(result.output / "fold0.keras")
    kinds = {layer.__class__.__name__ for layer in model.layers}
    # the C++ inference reads it and reproduces the Keras reconstruction error (checked inside the export)
    assert export_model(result.output).exists()
    assert kinds <= {"InputLayer", "Normalization", "Dense", "Dropout", "BatchNormalization"}
    norm = model.get_layer("normalization")
    x = np.random.default_rng(2).normal(size=(40, 3)).astype(np.float32)
    by_hand = (x - np.asarray(norm.mean)) / np.sqrt(np.asarray(norm.variance))
    expected = np.mean((by_hand - model.predict(x, verbose=0)) ** 2, axis=1)
    trained = predictors.load(result.output)
    np.testing.assert_allclose(trained.score(x, np.zeros(40, dtype=int)), expected, rtol=1e-4)


def test_significance_improvement_hand_case() -> None:
    score = np.array([0.1, 0.2, 0.3, 0.4, 0.9, 0.8])
    y = np.array([0, 0, 0, 0, 1, 1])
    curve = anomaly.significance_improvement(score, y, n_points=5)
    first = curve["cut"][0]  # the lowest background score: 3 of 4 background and all signal pass (> cut)
    assert first == pytest.approx(0.1)
    assert curve["eff_b"][0] == pytest.approx(0.75) and curve["eff_s"][0] == 1.0
    assert curve["sic"][0] == pytest.approx(1.0 / np.sqrt(0.75))


@pytest.mark.slow
def test_tune_hyperband_then_train(tmp_path: Path, blob_csv: Path) -> None:
    space = {
        "width": [4, 8],
        "depth": [1],
        "activation": ["relu"],
        "latent": [1, 2, 5],
        "learning_rate": [0.01],
    }
    config = _config(
        tmp_path, blob_csv, "tune", tune={"kind": "ae", "max_epochs": 2, "factor": 2, "space": space}
    )
    config["plots"] = False
    result = training.train(config)
    tuned = result.model.settings["fit"]["tuned"]
    assert tuned["trials"] >= 2 and tuned["latent"] in (1, 2)  # 5 >= 3 features is excluded
    assert json.loads((result.output / "manifest.json").read_text())["kind"] == "ae"
