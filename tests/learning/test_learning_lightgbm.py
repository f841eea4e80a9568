"""LightGBM as a bdt backend: training with early stopping, saving and reloading, and the exported trees
scored by the C++ evaluator against LightGBM's own `predict` (to 1e-5), including missing values and inputs
exactly at the split thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt import native
from higgshunt.artifacts import trained_model
from higgshunt.errors import ModelFormatError
from higgshunt.inference import export_model
from higgshunt.inference.trees import convert_lightgbm
from higgshunt.learning import predictors, training
from learning_tables import xgboost_config

TOLERANCE = 1e-5
FEATURES = ("a", "b", "c")


def _booster(seed: int, *, missing: bool, n_trees: int = 40, **params: object):
    import lightgbm as lgb

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3000, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 + rng.normal(size=3000) > 0.5).astype(int)
    if missing:
        x[rng.random(x.shape) < 0.1] = np.nan
    base = {"objective": "binary", "num_leaves": 15, "verbosity": -1, "seed": seed, "num_threads": 1}
    return lgb.train({**base, **params}, lgb.Dataset(x, y), num_boost_round=n_trees)


def _model_dir(tmp_path: Path, boosters: list) -> trained_model.TrainedModel:
    return trained_model.save(
        tmp_path / "lgbm",
        kind="bdt",
        backend="lightgbm",
        features=FEATURES,
        models=[b.model_to_string() for b in boosters],
        derived={},
        provenance={"test": True},
        settings={},
    )


def _threshold_rows(booster, rng: np.random.Generator) -> np.ndarray:
    """Rows with one feature exactly at, or one float32 step either side of, each split threshold."""
    rows = []
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" not in node:
                continue
            threshold = np.float32(node["threshold"])
            for v in (
                threshold,
                np.nextafter(threshold, np.float32(-1e30)),
                np.nextafter(threshold, np.float32(1e30)),
            ):
                row = rng.normal(size=3).astype(np.float32)
                row[node["split_feature"]] = v
                rows.append(row)
            stack += [node["left_child"], node["right_child"]]
    return np.asarray(rows, dtype=np.float32)


@pytest.mark.parametrize("missing", [True, False], ids=["nan-missing", "no-missing-seen"])
def test_exported_trees_equal_lightgbm_predict(tmp_path: Path, missing: bool) -> None:
    """Trained with NaNs (missing type NaN: default direction) and without (missing type None: NaN is
    scored as 0)."""
    booster = _booster(1, missing=missing)
    path = export_model(_model_dir(tmp_path, [booster]))  # export checks against LightGBM itself too
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4000, 3)).astype(np.float32)
    x[rng.random(x.shape) < 0.15] = np.nan
    x = np.concatenate([x, _threshold_rows(booster, rng)])
    ours = native.core().Model(str(path)).evaluate_fold(0, x)
    np.testing.assert_allclose(ours, booster.predict(x.astype(np.float64)), rtol=0, atol=TOLERANCE)
    assert json.loads(path.read_text())["folds"][0]["base_margin"] == 0.0


def test_single_leaf_trees_and_sigmoid_scale(tmp_path: Path) -> None:
    """A constant first tree (the initial score) and `sigmoid` != 1 still give LightGBM's probability."""
    booster = _booster(2, missing=False, n_trees=5, sigmoid=2.0, min_data_in_leaf=2000)
    path = export_model(_model_dir(tmp_path, [booster]))
    x = np.random.default_rng(1).normal(size=(500, 3)).astype(np.float32)
    np.testing.assert_allclose(
        native.core().Model(str(path)).evaluate_fold(0, x), booster.predict(x), rtol=0, atol=TOLERANCE
    )


def test_unsupported_models_are_refused(tmp_path: Path) -> None:
    booster = _booster(3, missing=False, n_trees=3, objective="multiclass", num_class=3)
    path = tmp_path / "multi.txt"
    path.write_text(booster.model_to_string())
    with pytest.raises(ModelFormatError, match="multi-class"):
        convert_lightgbm(path, FEATURES)
    path.write_text("not a model\n")
    with pytest.raises(ModelFormatError, match="not a LightGBM text model"):
        convert_lightgbm(path, FEATURES)


@pytest.mark.slow
def test_lightgbm_backend_trains_saves_and_reloads(tmp_path: Path, blob_csv: Path) -> None:
    import lightgbm as lgb

    config = xgboost_config(blob_csv, tmp_path / "bdt", 60)
    config["backend"] = "lightgbm"
    result = training.train(config)
    saved = json.loads((result.output / "manifest.json").read_text())
    assert saved["backend"] == "lightgbm" and saved["files"] == ["fold0.txt", "fold1.txt"]
    assert result.metrics["auc"] > 0.8
    assert json.loads((result.output / "training.json").read_text())["bdt"]["lightgbm"]["num_leaves"] == 15
    # early stopping keeps the best iteration only: the saved booster has fewer trees than the bound
    booster = lgb.Booster(model_file=str(result.output / "fold1.txt"))
    assert 1 <= booster.num_trees() < 2000
    x = np.random.default_rng(0).normal(size=(50, 3))
    scored = predictors.load(result.output).score(x, np.ones(50, dtype=int))
    np.testing.assert_allclose(scored, booster.predict(x), rtol=1e-12)
    exported = export_model(result.output)
    np.testing.assert_allclose(
        native.core().Model(str(exported)).evaluate_fold(1, x.astype(np.float32)),
        booster.predict(x.astype(np.float32)),
        rtol=0,
        atol=TOLERANCE,
    )
