"""C++ evaluation of exported XGBoost boosters against XGBoost `predict` (margin and probability)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from higgshunt import native
from higgshunt.errors import ModelFormatError
from higgshunt.inference import export_model
from higgshunt.inference.trees import _base_margin
from inference_models import events, train_bdt

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def booster():
    return train_bdt(500, seed=1)


def test_500_trees_with_missing_values(make_bdt_dir, booster, tmp_path) -> None:
    import xgboost as xgb

    path = export_model(make_bdt_dir([booster]))
    document = json.loads(path.read_text())
    trees = document["folds"][0]["trees"]
    assert len(trees) == 500
    assert max(len(t["left"]) for t in trees) > 31  # deeper than 4 levels somewhere
    x = events(3000, seed=8)
    x[np.random.default_rng(3).random(x.shape) < 0.15] = np.nan
    dmatrix = xgb.DMatrix(x, missing=np.nan)
    probability = native.core().Model(str(path)).evaluate_fold(0, x)
    np.testing.assert_allclose(probability, booster.predict(dmatrix), rtol=0, atol=TOLERANCE)
    # The same trees with the identity link give the margin.
    document["folds"][0]["link"] = "identity"
    document["score"] = "value"
    margin_file = tmp_path / "margin.json"
    margin_file.write_text(json.dumps(document))
    margin = native.core().Model(str(margin_file)).evaluate_fold(0, x)
    np.testing.assert_allclose(margin, booster.predict(dmatrix, output_margin=True), rtol=0, atol=TOLERANCE)


def test_thresholds_compare_in_float32(make_bdt_dir, booster) -> None:
    """Inputs exactly at, and one float32 step around, every split threshold go where XGBoost sends them."""
    import xgboost as xgb

    path = export_model(make_bdt_dir([booster]))
    tree = json.loads(path.read_text())["folds"][0]["trees"][0]
    rows = []
    for feature, left, value in zip(tree["feature"], tree["left"], tree["value"], strict=True):
        if left < 0:
            continue
        threshold = np.float32(value)
        for v in (
            threshold,
            np.nextafter(threshold, np.float32(-np.inf)),
            np.nextafter(threshold, np.float32(np.inf)),
        ):
            row = events(1, seed=len(rows))[0]
            row[feature] = v
            rows.append(row)
    x = np.asarray(rows, dtype=np.float32)
    got = native.core().Model(str(path)).evaluate_fold(0, x)
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x, missing=np.nan)), rtol=0, atol=TOLERANCE)


def test_regression_objective_and_shallow_trees(make_bdt_dir) -> None:
    """reg:squarederror (identity link, base_score used as is) with depth-2 trees."""
    import xgboost as xgb
    from higgshunt.inference.trees import convert_xgboost

    booster = train_bdt(50, seed=2, objective="reg:squarederror", max_depth=2)
    directory = make_bdt_dir([booster])
    with pytest.raises(ModelFormatError, match="promises probabilities"):
        export_model(directory)  # the manifest says probability, the objective is a regression
    features = json.loads((directory / "manifest.json").read_text())["features"]
    fold, link = convert_xgboost(directory / "fold0.json", tuple(features))
    assert link == "identity"
    document = {
        "format": "higgshunt-model",
        "version": 1,
        "kind": "bdt",
        "score": "value",
        "features": features,
        "n_folds": 1,
        "folds": [fold],
    }
    path = directory / "regression.json"
    path.write_text(json.dumps(document))
    x = events(500, seed=5)
    got = native.core().Model(str(path)).evaluate_fold(0, x)
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x)), rtol=0, atol=TOLERANCE)


def test_base_margin_is_the_logit_of_base_score() -> None:
    assert _base_margin(0.5, "logistic", "m") == 0.0
    assert _base_margin(0.2, "logistic", "m") == pytest.approx(np.log(0.25), abs=1e-6)
    with pytest.raises(ModelFormatError, match="not a probability"):
        _base_margin(1.0, "logistic", "m")


def test_feature_count_mismatch_named(make_bdt_dir, booster) -> None:
    directory = make_bdt_dir([booster])
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["features"] = manifest["features"][:-1]
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        ModelFormatError, match=r"fold0\.json: the booster has 6 features, the manifest lists 5"
    ):
        export_model(directory)
