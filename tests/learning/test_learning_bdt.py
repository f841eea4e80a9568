"""BDT backends: automatic choice (XGBoost where ROOT has no TMVA), TMVA options, XGBoost training and
reload."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import ConfigError
from higgshunt.learning import bdt, predictors, settings, training
from learning_tables import xgboost_config


def test_auto_picks_xgboost_without_tmva() -> None:
    import ROOT

    has = hasattr(ROOT, "TMVA") and hasattr(ROOT.TMVA, "Factory")
    assert bdt.tmva_available() == has
    assert bdt.choose_backend("auto") == ("tmva" if has else "xgboost")
    assert bdt.choose_backend("auto", has_tmva=False) == "xgboost"
    assert bdt.choose_backend("auto", has_tmva=True) == "tmva"
    assert bdt.choose_backend("xgboost", has_tmva=True) == "xgboost"
    assert bdt.choose_backend("lightgbm", has_tmva=True) == "lightgbm"


def test_explicit_tmva_without_tmva_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no TMVA"):
        bdt.choose_backend("tmva", has_tmva=False)
    with pytest.raises(ConfigError, match="unknown"):
        bdt.choose_backend("catboost")


def test_tmva_options_are_the_proven_bdtg() -> None:
    options = bdt.tmva_options(settings.merged({})["bdt"])  # the schema's defaults
    assert options == (
        "!H:!V:NTrees=1000:MinNodeSize=2.5%:BoostType=Grad:Shrinkage=0.1:UseBaggedBoost:"
        "BaggedSampleFraction=0.5:nCuts=20:MaxDepth=2"
    )


@pytest.mark.slow
def test_xgboost_train_save_reload(tmp_path: Path, blob_csv: Path) -> None:
    config = xgboost_config(blob_csv, tmp_path / "bdt", 60)
    result = training.train(config)
    saved = json.loads((result.output / "manifest.json").read_text())
    assert saved["backend"] == "xgboost" and saved["files"] == ["fold0.json", "fold1.json"]
    assert result.metrics["auc"] > 0.8
    trained = predictors.load(result.output)
    x = np.random.default_rng(0).normal(size=(50, 3))
    # the saved JSON booster is a real XGBoost model file: reload with xgboost directly and compare
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(str(result.output / "fold1.json"))
    direct = booster.predict(xgb.DMatrix(x))  # plain arrays in manifest order
    np.testing.assert_allclose(trained.score(x, np.ones(50, dtype=int)), direct, rtol=1e-6)
    assert np.all((direct > 0) & (direct < 1))


def test_one_fold_holds_out_a_test_sample(tmp_path: Path, blob_csv: Path) -> None:
    config = settings.merged(
        {
            "data": {"path": str(blob_csv), "features": ["x1", "x2"]},
            "model": "bdt",
            "backend": "xgboost",
            "output": str(tmp_path / "one"),
            "plots": False,
            "progress": False,
            "training": {"folds": 1, "seed": 3, "test_fraction": 0.25},
            "bdt": {"n_trees": 20},
        }
    )
    result = training.train(config)
    assert result.model.n_folds == 1 and [f.name for f in result.model.files] == ["fold0.json"]
    assert 0.2 * 1200 < result.metrics["n_test"] < 0.3 * 1200
    assert result.metrics["n_train"] == 1200 - result.metrics["n_test"]
    assert result.metrics["auc_std"] == 0.0 and result.metrics["auc"] > 0.7
