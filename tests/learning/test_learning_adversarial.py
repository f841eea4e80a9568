"""Adversarial decorrelation: the mixture density loss against scipy, and a tiny lambda scan end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.learning import adversarial, data, kfold, metrics, settings, training
from learning_tables import blobs
from scipy import stats


def test_gmm_nll_matches_scipy() -> None:
    import tensorflow as tf

    mu = np.array([[0.0, 2.0], [1.0, -1.0]])
    log_sigma = np.log(np.array([[1.0, 0.5], [2.0, 0.3]]))
    logits = np.log(np.array([[0.3, 0.7], [0.5, 0.5]]))
    params = tf.constant(np.concatenate([mu, log_sigma, logits], axis=1), tf.float32)
    target = np.array([0.4, -0.2])
    weight = np.array([1.0, 3.0])
    pdf = [
        sum(
            np.exp(logits[i, k]) * stats.norm.pdf(target[i], mu[i, k], np.exp(log_sigma[i, k]))
            for k in range(2)
        )
        for i in range(2)
    ]
    expected = -np.sum(weight * np.log(pdf)) / weight.sum()
    got = float(adversarial.gmm_nll(params, tf.constant(target, tf.float32), tf.constant(weight, tf.float32)))
    assert got == pytest.approx(expected, rel=1e-5)
    zero = float(adversarial.gmm_nll(params, tf.constant(target, tf.float32), tf.zeros(2)))
    assert zero == 0.0  # no background in a batch: no adversary loss


def test_needs_mass(blob_frame) -> None:  # type: ignore[no-untyped-def]
    ds = data.prepare(blob_frame, features=["x1"], label="label")
    with pytest.raises(InputError, match="needs a mass column"):
        adversarial.fit_adversarial(ds, ds, settings.fit_settings(settings.merged({})))


@pytest.mark.slow
def test_lambda_scan(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    blobs(600).to_csv(small, index=False)
    config = settings.merged(
        {
            "data": {"path": str(small), "features": ["x1", "x2", "x3"], "mass": "mass"},
            "model": "adversarial",
            "output": str(tmp_path / "adv"),
            "progress": False,
            "training": {"folds": 2, "seed": 1, "batch_size": 256, "patience": 2, "learning_rate": 0.01},
            "network": {"width": 8, "depth": 1},
            "adversarial": {
                "lambda": 5.0,
                "lambda_scan": [0.0],
                "pretrain_epochs": 2,
                "adversary_pretrain_epochs": 1,
                "epochs": 1,
            },
        }
    )
    result = training.train(config)
    scan = result.metrics["decorrelation_scan"]
    assert [p["lambda"] for p in scan["points"]] == [0.0, 5.0]
    assert all(p["r50"] > 1 and 0 <= p["jsd50"] <= 1 for p in scan["points"])
    assert scan["working_point"] in scan["points"] and "Pareto" in scan["rule"]
    assert (result.output / "decorrelation_front.png").exists() and (
        result.output / "adversary_loss.png"
    ).exists()
    saved = json.loads((result.output / "manifest.json").read_text())
    assert saved["kind"] == "adversarial" and saved["score"] == "probability"
    import keras

    names = {
        layer.__class__.__name__ for layer in keras.models.load_model(result.output / "fold0.keras").layers
    }
    assert names <= {"InputLayer", "Normalization", "Dense", "Dropout", "BatchNormalization"}
    assert np.isfinite(result.metrics["auc"])


@pytest.mark.slow
def test_adversary_decorrelates_mass() -> None:
    """With lambda = 50 the background mass shapes passing and failing the R50 cut get much closer."""
    ds = data.prepare(blobs(2000), features=["x1", "x2", "x3"], label="label", mass="mass")
    fit, val = kfold.split_validation(ds, 0.4, 1)
    jsd = {}
    for lam in (0.0, 50.0):
        options = settings.fit_settings(
            settings.merged({"network": {"width": 16, "depth": 2}, "progress": False})
        )
        options.update({"lambda": lam, "epochs": 40, "patience": 100, "seed": 1, "batch_size": 128})
        options["adversarial"] = {
            **options["adversarial"],
            "epochs": 40,
            "pretrain_epochs": 10,
            "adversary_pretrain_epochs": 10,
            "adversary_steps": 3,
        }
        model = adversarial.fit_adversarial(fit, val, options)
        assert val.mass is not None
        _, jsd[lam] = metrics.r50_jsd50(model.predict(val.x), val.y, np.ones(len(val)), val.mass)
    assert jsd[50.0] < 0.5 * jsd[0.0]
