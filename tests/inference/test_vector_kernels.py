"""The AVX-512, AVX2+FMA and portable kernels give the Keras / XGBoost scores, and each other's.

HIGGSHUNT_KERNELS (read when a model is loaded) limits the kernels to "avx2+fma" or "baseline"; on a CPU
without the wider vectors the variants coincide, and the comparisons still check the portable path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from higgshunt import native
from higgshunt.inference import export_model
from inference_models import events, keras_model, train_bdt

TOLERANCE = 1e-5


def variants(path: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """The exported model loaded with the best kernels of this CPU, with at most AVX2+FMA, and portable."""
    models = []
    for limit in (None, "avx2+fma", "baseline"):
        if limit is None:
            monkeypatch.delenv("HIGGSHUNT_KERNELS", raising=False)
        else:
            monkeypatch.setenv("HIGGSHUNT_KERNELS", limit)
        models.append(native.core().Model(str(path)))
    assert models[0].kernels in ("avx512", "avx2+fma", "baseline")
    assert models[1].kernels in ("avx2+fma", "baseline")
    assert models[2].kernels == "baseline"
    return models


@pytest.mark.parametrize(
    "hidden",
    [
        [(60, "relu"), (60, "relu")],  # the benchmark's network: 64-wide blocks and a 60-long dot product
        [(300, "elu"), (37, "tanh")],  # wider than the stack scratch; a dot product with a tail
        [(5, "swish")],  # narrower than one block
    ],
    ids=["24-60-60-1", "wide", "narrow"],
)
def test_networks_agree_with_keras(hidden, make_keras_dir, monkeypatch) -> None:
    model = keras_model(hidden, seed=21)
    models = variants(export_model(make_keras_dir([model])), monkeypatch)
    x = events(2000, seed=22)
    expected = np.asarray(model.predict(x, verbose=0)).ravel()
    portable = models[-1].evaluate_fold(0, x)
    for variant in models:
        np.testing.assert_allclose(variant.evaluate_fold(0, x), expected, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(variant.evaluate_fold(0, x), portable, rtol=0, atol=1e-6)


def test_network_missing_value_gives_nan(make_keras_dir, monkeypatch) -> None:
    models = variants(export_model(make_keras_dir([keras_model([(20, "relu")], seed=3)])), monkeypatch)
    x = events(4, seed=4)
    x[1, 2] = np.nan
    for variant in models:
        scores = variant.evaluate_fold(0, x)
        assert np.isnan(scores[1]) and np.isfinite(scores[[0, 2, 3]]).all()


@pytest.mark.parametrize(("n_trees", "max_depth"), [(37, 3), (75, 10), (1, 2)])
def test_trees_agree_with_xgboost_and_each_other(n_trees, max_depth, make_bdt_dir, monkeypatch) -> None:
    """Tree counts that leave partial groups of eight and of four groups; NaN features follow the default
    direction; both walks add the same leaves in the same order, so they agree exactly."""
    import xgboost as xgb

    booster = train_bdt(n_trees, seed=max_depth, max_depth=max_depth)
    models = variants(export_model(make_bdt_dir([booster])), monkeypatch)
    x = events(3000, seed=5)
    x[np.random.default_rng(6).random(x.shape) < 0.2] = np.nan
    x[:50] = np.nan  # events with every feature missing
    expected = booster.predict(xgb.DMatrix(x, missing=np.nan))
    scores = models[0].evaluate_fold(0, x)
    np.testing.assert_allclose(scores, expected, rtol=0, atol=TOLERANCE)
    for variant in models[1:]:
        np.testing.assert_array_equal(scores, variant.evaluate_fold(0, x))
