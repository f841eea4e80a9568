"""Tiny trained-model directories (Keras 3, XGBoost) as `higgshunt train` writes them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from higgshunt.artifacts import trained_model

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FEATURES = [f"f{i}" for i in range(6)]
# GeV-like feature scales, so the normalisation matters.
FEATURE_MEAN = np.array([50.0, 30.0, -1.0, 0.5, 120.0, 2.0])
FEATURE_STD = np.array([20.0, 10.0, 1.5, 0.3, 40.0, 1.0])


def events(n: int, seed: int, n_features: int = len(FEATURES)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (FEATURE_MEAN[:n_features] + FEATURE_STD[:n_features] * rng.normal(size=(n, n_features))).astype(
        np.float32
    )


def write_manifest(
    directory: Path, *, kind: str, backend: str, files: list[str], features: list[str], score: str
) -> Path:
    manifest = {
        "format": trained_model.FORMAT,
        "version": trained_model.VERSION,
        "kind": kind,
        "backend": backend,
        "features": features,
        "n_folds": len(files),
        "fold_rule": "eventNumber % n_folds",
        "training_folds": "eventNumber % n_folds",
        "training_events": trained_model.TRAINING_EVENTS,
        "score": score,
        "files": files,
        "derived": {},
        "provenance": {"test": True},
    }
    (directory / trained_model.FILE_NAME).write_text(json.dumps(manifest))
    return directory


def randomise_batchnorm(model, seed: int) -> None:
    """Non-trivial inference statistics, as after training."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 2.0, n),
                    rng.normal(0, 0.5, n),
                    rng.normal(0, 0.5, n),
                    rng.uniform(0.2, 3.0, n),
                ]
            )


def keras_model(hidden: list, *, n_features: int = len(FEATURES), output: str = "classifier", seed: int = 0):
    """Normalization + the `hidden` layers (Keras layers or (units, activation) pairs) + the output layer."""
    import keras

    keras.utils.set_random_seed(seed)
    norm = keras.layers.Normalization()
    norm.adapt(events(2000, seed + 100, n_features))
    layers = [keras.Input((n_features,)), norm]
    for item in hidden:
        layers.append(keras.layers.Dense(item[0], activation=item[1]) if isinstance(item, tuple) else item)
    if output == "classifier":
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
    model = keras.Sequential(layers)
    randomise_batchnorm(model, seed)
    return model


def save_keras_dir(
    directory: Path,
    models: list,
    *,
    kind: str = "dnn",
    score: str = "probability",
    features: list[str] | None = None,
) -> Path:
    """Save Keras models (one per fold) with a manifest into `directory`."""
    directory.mkdir(parents=True)
    files = []
    for i, model in enumerate(models):
        model.save(directory / f"fold{i}.keras")
        files.append(f"fold{i}.keras")
    return write_manifest(
        directory,
        kind=kind,
        backend="keras",
        files=files,
        features=features or FEATURES[: models[0].input_shape[-1]],
        score=score,
    )


def train_bdt(n_trees: int, seed: int, *, objective: str = "binary:logistic", max_depth: int = 6):
    """A booster trained on events with 10% missing values."""
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    x = events(3000, seed)
    label = ((x[:, 0] - 50) / 20 + (x[:, 4] - 120) / 40 + rng.normal(0, 1, len(x)) > 0.3).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    params = {
        "objective": objective,
        "max_depth": max_depth,
        "eta": 0.1,
        "seed": seed,
        "nthread": 1,
        "subsample": 0.8,
    }
    return xgb.train(params, xgb.DMatrix(x, label=label, missing=np.nan), num_boost_round=n_trees)
