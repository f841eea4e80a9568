"""Boosted decision trees: TMVA BDTG where ROOT has TMVA (conda/LCG builds), XGBoost otherwise ('auto'), or
LightGBM on request.

Every backend gets the same inputs (raw features, class-balanced weights) and gives a signal probability. The
TMVA options are the proven BDTG ones (NTrees=1000, MinNodeSize=2.5%, BoostType=Grad, Shrinkage=0.10,
UseBaggedBoost, BaggedSampleFraction=0.5, nCuts=20, MaxDepth=2); the XGBoost defaults mirror them where the
concepts match. LightGBM grows leaf-wise with its own block `bdt.lightgbm` (defaults for tables of 10^3-10^6
events: 15 leaves, learning rate 0.05, at least 20 events per leaf, 80% bagging, L2 = 1). XGBoost and LightGBM
stop early on the validation log-loss and keep the trees up to the best iteration.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import ConfigError
from higgshunt.learning.data import Dataset
from higgshunt.learning.kfold import FoldModel, balanced_weights

log = logging.getLogger(__name__)

BACKENDS = ("auto", "xgboost", "lightgbm", "tmva")


def tmva_available() -> bool:
    """Whether this ROOT build has TMVA (the PyPI wheel does not: `ROOT.TMVA` raises AttributeError)."""
    try:
        import ROOT

        return hasattr(ROOT, "TMVA") and hasattr(ROOT.TMVA, "Factory")
    except (ImportError, AttributeError):
        return False


def choose_backend(requested: str, *, has_tmva: bool | None = None) -> str:
    """'auto' picks TMVA when it exists, XGBoost otherwise; an explicit 'tmva' without TMVA is an error."""
    if requested not in BACKENDS:
        raise ConfigError(f"bdt backend '{requested}' unknown; expected one of {', '.join(BACKENDS)}")
    available = tmva_available() if has_tmva is None else has_tmva
    if requested == "auto":
        chosen = "tmva" if available else "xgboost"
        log.info(
            "BDT backend: %s (TMVA %s in this ROOT build)", chosen, "found" if available else "not found"
        )
        return chosen
    if requested == "tmva" and not available:
        raise ConfigError(
            "bdt backend 'tmva' asked for, but this ROOT build has no TMVA (the PyPI wheel lacks it); "
            "use backend 'xgboost' or 'lightgbm', or a conda/LCG ROOT"
        )
    return requested


def tmva_options(settings: dict[str, Any]) -> str:
    """The BDTG option string from the config's bdt block."""
    return ":".join(
        [
            "!H",
            "!V",
            f"NTrees={int(settings['n_trees'])}",
            f"MinNodeSize={float(settings['min_node_size']) * 100:g}%",
            "BoostType=Grad",
            f"Shrinkage={float(settings['learning_rate']):g}",
            "UseBaggedBoost",
            f"BaggedSampleFraction={float(settings['subsample']):g}",
            f"nCuts={int(settings['n_cuts'])}",
            f"MaxDepth={int(settings['max_depth'])}",
        ]
    )


def fit_xgboost(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """XGBoost with early stopping on the validation log-loss (best iteration kept in the saved model)."""
    import xgboost as xgb

    bdt = settings["bdt"]
    params = {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "max_depth": int(bdt["max_depth"]),
        "eta": float(bdt["learning_rate"]),
        "subsample": float(bdt["subsample"]),
        "max_bin": max(2, int(bdt["n_cuts"])),
        "nthread": int(settings["threads"]),
        "seed": int(settings["seed"]),
    }
    # min_node_size is a fraction of the training weight, as TMVA's MinNodeSize; the hessian of logistic loss
    # is at most 1/4 per unit weight.
    train_w = balanced_weights(train.y, train.weight)
    params["min_child_weight"] = float(bdt["min_node_size"]) * float(train_w.sum()) * 0.25
    dtrain = xgb.DMatrix(train.x, label=train.y, weight=train_w, feature_names=list(train.features))
    dval = xgb.DMatrix(
        val.x, label=val.y, weight=balanced_weights(val.y, val.weight), feature_names=list(val.features)
    )
    record: dict[str, Any] = {}
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=int(bdt["n_trees"]),
        evals=[(dtrain, "train"), (dval, "val")],
        early_stopping_rounds=int(settings["patience"]) * 5,
        evals_result=record,
        verbose_eval=False,
    )
    booster = booster[: booster.best_iteration + 1]  # keep only the trees up to the best validation loss
    history = {"loss": record["train"]["logloss"], "val_loss": record["val"]["logloss"]}
    return FoldModel(booster, _booster_predictor(booster), history)


def _booster_predictor(booster: Any) -> Callable[[np.ndarray], np.ndarray]:
    import xgboost as xgb

    names = booster.feature_names

    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(xgb.DMatrix(np.asarray(x), feature_names=names)), dtype=np.float64)

    return predict


def xgboost_predictor(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """Score raw features with a booster saved as XGBoost JSON."""
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(str(path))
    return _booster_predictor(booster)


def fit_lightgbm(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """LightGBM with early stopping on the validation log-loss; the saved model holds the best iteration."""
    import lightgbm as lgb

    block = settings["bdt"]["lightgbm"]
    params = {
        "objective": "binary",
        "metric": "binary_logloss",
        "learning_rate": float(block["learning_rate"]),
        "num_leaves": int(block["num_leaves"]),
        "min_data_in_leaf": int(block["min_data_in_leaf"]),
        "bagging_fraction": float(block["bagging_fraction"]),
        "bagging_freq": 1 if float(block["bagging_fraction"]) < 1 else 0,
        "feature_fraction": float(block["feature_fraction"]),
        "lambda_l2": float(block["lambda_l2"]),
        "num_threads": int(settings["threads"]),
        "seed": int(settings["seed"]),
        "deterministic": True,
        "force_row_wise": True,  # with `deterministic`, the same model on every run
        "verbosity": -1,
    }
    # plain column indices, as the saved XGBoost boosters: names live in the manifest (LightGBM refuses some
    # characters in feature names)
    dtrain = lgb.Dataset(train.x, label=train.y, weight=balanced_weights(train.y, train.weight))
    dval = lgb.Dataset(val.x, label=val.y, weight=balanced_weights(val.y, val.weight), reference=dtrain)
    record: dict[str, Any] = {}
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=int(block["n_trees"]),
        valid_sets=[dtrain, dval],
        valid_names=["train", "val"],
        callbacks=[
            lgb.early_stopping(int(block["early_stopping_rounds"]), verbose=False),
            lgb.record_evaluation(record),
        ],
    )
    text = booster.model_to_string(num_iteration=booster.best_iteration or None)
    history = {"loss": record["train"]["binary_logloss"], "val_loss": record["val"]["binary_logloss"]}
    return FoldModel(text, _lightgbm_predictor(lgb.Booster(model_str=text)), history)


def _lightgbm_predictor(booster: Any) -> Callable[[np.ndarray], np.ndarray]:
    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(np.asarray(x)), dtype=np.float64)

    return predict


def lightgbm_predictor(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """Score raw features with a LightGBM text model."""
    import lightgbm as lgb

    return _lightgbm_predictor(lgb.Booster(model_file=str(path)))


def fit_tmva(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """TMVA BDTG through Factory/DataLoader; validation events are TMVA's test tree. Needs ROOT with TMVA."""
    import ROOT

    workdir = Path(tempfile.mkdtemp(prefix="higgshunt-tmva-"))
    output = ROOT.TFile.Open(str(workdir / "tmva.root"), "RECREATE")
    factory = ROOT.TMVA.Factory("higgshunt", output, "!V:Silent:!DrawProgressBar:AnalysisType=Classification")
    loader = ROOT.TMVA.DataLoader(str(workdir / "dataset"))
    for name in train.features:
        loader.AddVariable(name, "F")
    for ds, tree_type in ((train, ROOT.TMVA.Types.kTraining), (val, ROOT.TMVA.Types.kTesting)):
        weights = balanced_weights(ds.y, ds.weight)
        for row, label, weight in zip(ds.x, ds.y, weights, strict=True):
            vec = ROOT.std.vector["double"](row.tolist())
            if label == 1:
                loader.AddSignalEvent(vec, float(weight), tree_type)
            else:
                loader.AddBackgroundEvent(vec, float(weight), tree_type)
    loader.PrepareTrainingAndTestTree(ROOT.TCut(""), "NormMode=None:!V")
    factory.BookMethod(loader, ROOT.TMVA.Types.kBDT, "BDTG", tmva_options(settings["bdt"]))
    factory.TrainAllMethods()
    output.Close()
    weight_file = workdir / "dataset" / "weights" / "higgshunt_BDTG.weights.xml"
    return FoldModel(str(weight_file), tmva_predictor(weight_file, list(train.features)), {})


def tmva_predictor(path: Path, features: list[str]) -> Callable[[np.ndarray], np.ndarray]:
    """Score raw features with a TMVA BDTG weight file; BDTG's [-1, 1] response is mapped to [0, 1]."""
    import ROOT

    reader = ROOT.TMVA.Reader("!Color:Silent")
    values = [np.zeros(1, dtype=np.float32) for _ in features]
    for name, buffer in zip(features, values, strict=True):
        reader.AddVariable(name, buffer)
    reader.BookMVA("BDTG", str(path))

    def predict(x: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        for i, row in enumerate(x):
            for buffer, value in zip(values, row, strict=True):
                buffer[0] = value
            out[i] = 0.5 * (reader.EvaluateMVA("BDTG") + 1.0)
        return out

    return predict


def fit_bdt(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """Train with the backend already chosen in `settings['backend']`."""
    if settings["backend"] == "tmva":
        return fit_tmva(train, val, settings)
    if settings["backend"] == "lightgbm":
        return fit_lightgbm(train, val, settings)
    return fit_xgboost(train, val, settings)
