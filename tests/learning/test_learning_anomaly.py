"""Autoencoder, VAE and Hyperband tuning on background only; the anomaly score definition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.inference import export_model
from higgshunt.learning import anomaly, models, predictors, settings, training
from higgshunt.learning.data import Dataset

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
    assert len(tuned) == 2  # one search per fold, on that fold's training events
    assert all(t["trials"] >= 2 and t["latent"] in (1, 2) for t in tuned)  # 5 >= 3 features is excluded
    assert json.loads((result.output / "manifest.json").read_text())["kind"] == "ae"


def _dataset(x: np.ndarray, weight: np.ndarray) -> Dataset:
    n = len(x)
    return Dataset(
        ("a", "b", "c"),
        x,
        np.zeros(n, dtype=np.int8),
        weight,
        True,
        None,
        np.zeros(n, int),
        np.arange(n),
        "t",
    )


def test_reconstruction_weights_use_abs_weights_scaled_to_mean_one() -> None:
    w = anomaly.reconstruction_weights(_dataset(np.zeros((4, 3)), np.array([2.0, -1.0, 1.0, 0.0])))
    np.testing.assert_allclose(w, [2.0, 1.0, 1.0, 0.0])  # |w| * 4 / 4
    with pytest.raises(InputError, match="no weight"):
        anomaly.reconstruction_weights(_dataset(np.zeros((2, 3)), np.zeros(2)))


@pytest.mark.parametrize("scaler", ["standard", "robust"])
def test_weighted_scaling_equals_duplicated_events(scaler: str) -> None:
    """Integer weights act as copies of events: the statistics equal those of the duplicated sample
    (numpy's mean/var, median and 25/75% points as the reference)."""
    rng = np.random.default_rng(4)
    x = rng.standard_t(3, size=(301, 3))  # long tails
    w = rng.integers(0, 4, size=301).astype(float)
    centre, variance = models.scaling(x, scaler, w)
    copies = np.repeat(x, w.astype(int), axis=0)
    if scaler == "standard":
        np.testing.assert_allclose(centre, copies.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(variance, copies.var(axis=0), rtol=1e-10)
    else:
        q25, q50, q75 = (np.quantile(copies, q, axis=0, method="inverted_cdf") for q in (0.25, 0.5, 0.75))
        np.testing.assert_allclose(centre, q50)
        np.testing.assert_allclose(np.sqrt(variance), (q75 - q25) / 1.3489795, rtol=1e-12)
    # on a Gaussian, the robust scale is the standard deviation
    gauss = rng.normal(2.0, 3.0, size=(200_000, 1))
    assert np.sqrt(models.scaling(gauss, "robust")[1][0]) == pytest.approx(3.0, rel=0.01)


@pytest.mark.slow
def test_autoencoder_learns_the_weighted_background() -> None:
    """Two background populations on different lines; a one-dimensional code can follow only one. The one
    carrying the weight is reconstructed better, whichever it is."""
    rng = np.random.default_rng(0)
    t = rng.normal(size=(4000, 1))
    line_a, line_b = np.array([[1.0, 1.0, 1.0]]), np.array([[1.0, -1.0, 0.0]])
    is_a = rng.random(4000) < 0.5
    x = np.where(is_a[:, None], t * line_a, t * line_b) + 0.05 * rng.normal(size=(4000, 3))
    fast = {
        **settings.fit_settings(settings.merged({})),
        **FAST["training"],
        "network": {"width": 16, "depth": 1},
    }
    fast.update(epochs=25, progress=False, anomaly={"latent": 1})
    errors = {}
    for heavy in ("a", "b"):
        w = np.where(is_a == (heavy == "a"), 1.0, 0.02)
        train, val = _dataset(x[:3000], w[:3000]), _dataset(x[3000:], w[3000:])
        score = anomaly.fit_autoencoder(train, val, fast).predict(x[3000:])
        errors[heavy] = (score[is_a[3000:]].mean(), score[~is_a[3000:]].mean())
    assert errors["a"][0] < errors["a"][1] and errors["b"][1] < errors["b"][0]


@pytest.mark.slow
def test_hyperband_searches_inside_each_folds_training_events(
    tmp_path: Path, blob_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One search per fold, and none sees the events its fold model later scores."""
    seen: list[set[int]] = []

    def spy(train: Dataset, val: Dataset, fit: dict, *, progress: bool = True) -> dict:
        ids = np.concatenate([train.event_id, val.event_id])  # (runNumber, eventNumber) pairs
        seen.append({int(i) for i in ids[:, -1]})
        return {"network": {"width": 4, "depth": 1}, "learning_rate": 0.01, "trials": 1}

    monkeypatch.setattr(anomaly, "tune", spy)
    config = _config(tmp_path, blob_csv, "tune", tune={"kind": "dnn"})
    config["plots"] = False
    result = training.train(config)
    assert len(seen) == 2 and result.model.kind == "dnn"
    assert [t["trials"] for t in result.model.settings["fit"]["tuned"]] == [1, 1]
    event_number = np.arange(1200)  # blobs: eventNumber = row, fold = eventNumber % 2
    for fold, events in enumerate(seen):
        assert events and not events & set(event_number[event_number % 2 == fold].tolist())
