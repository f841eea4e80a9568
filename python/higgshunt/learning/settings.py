"""Training configuration: defaults, merging with a YAML config or command-line options, validation.

A config (see `configs/train_*.yaml` and `schemas/train.json`) has the blocks data, model, training, network,
bdt, adversarial, anomaly, tune, competitor, output. Missing keys take the defaults below.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from higgshunt import configuration

log = logging.getLogger(__name__)

MODEL_KINDS = ("dnn", "adversarial", "bdt", "ae", "vae", "tune")

DEFAULTS: dict[str, Any] = {
    "data": {
        "key": None,
        "label": "label",
        "signal_value": 1,
        "weight": None,
        "mass": None,
        "fold_column": "fold",
        "drop_nonfinite": False,
        "derived": {},
        "mass_range": None,
    },
    "backend": "auto",
    "training": {
        "folds": 3,
        "seed": 42,
        "epochs": 100,
        "batch_size": 256,
        "learning_rate": 1e-3,
        "patience": 10,
        "lr_schedule": "plateau",
        "validation_fraction": 0.2,
        "test_fraction": 0.25,
        "threads": 1,
    },
    "network": {"width": 64, "depth": 3, "activation": "relu", "dropout": 0.0, "batch_norm": False},
    # TMVA's proven BDTG options; XGBoost takes the matching ones
    "bdt": {
        "n_trees": 1000,
        "max_depth": 2,
        "learning_rate": 0.1,
        "subsample": 0.5,
        "min_node_size": 0.025,
        "n_cuts": 20,
    },
    "adversarial": {
        "lambda": 10.0,
        "lambda_scan": [],
        "n_components": 5,
        "pretrain_epochs": 20,
        "adversary_pretrain_epochs": 5,
        "epochs": 30,
        "adversary_steps": 3,
        "adversary_learning_rate": 1e-3,
    },
    "anomaly": {"latent": 4, "kl_weight": 1e-3},
    "tune": {
        "kind": "ae",
        "max_epochs": 20,
        "factor": 3,
        "space": {
            "width": [16, 32, 64],
            "depth": [1, 2, 3],
            "activation": ["relu", "elu"],
            "latent": [2, 4, 8],
            "learning_rate": [1e-3, 3e-3],
            "dropout": [0.0],
        },
    },
    "competitor": None,
    "plots": True,
    "progress": True,
}


def merged(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every missing key filled from DEFAULTS (nested blocks merged key by key)."""
    out = copy.deepcopy(DEFAULTS)
    for key, value in config.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a training config (YAML), then fill defaults."""
    return merged(configuration.load(path, "train"))


def from_options(options: dict[str, Any]) -> dict[str, Any]:
    """A validated config from command-line style options (None = not given).

    Keys: data, key, features (list), label, signal_value, weight, mass, model, output, folds, seed, epochs,
        lambdas (list), backend, competitor, competitor_features, progress.
    """
    data = {
        k: options[k]
        for k in ("key", "label", "signal_value", "weight", "mass")
        if options.get(k) is not None
    }
    config: dict[str, Any] = {
        "data": {"path": str(options["data"]), "features": list(options["features"]), **data},
        "model": options["model"],
        "output": str(options["output"]),
    }
    training = {k: options[k] for k in ("folds", "seed", "epochs") if options.get(k) is not None}
    if training:
        config["training"] = training
    if options.get("backend"):
        config["backend"] = options["backend"]
    lambdas = options.get("lambdas") or []
    if lambdas:
        config["adversarial"] = {"lambda": lambdas[-1], "lambda_scan": lambdas if len(lambdas) > 1 else []}
    if options.get("competitor"):
        config["competitor"] = {
            "path": str(options["competitor"]),
            "features": list(options.get("competitor_features") or []),
        }
    if options.get("progress") is False:
        config["progress"] = False
    configuration.validate(config, "train", source="command line")
    return merged(config)


def with_overrides(config: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """A loaded config with command-line overrides (output, folds, seed, epochs, lambdas, backend, model,
    competitor, progress) applied."""
    out = copy.deepcopy(config)
    for key in ("folds", "seed", "epochs"):
        if options.get(key) is not None:
            out["training"][key] = options[key]
    if options.get("output"):
        out["output"] = str(options["output"])
    if options.get("backend"):
        out["backend"] = options["backend"]
    if options.get("model"):
        out["model"] = options["model"]
    lambdas = options.get("lambdas") or []
    if lambdas:
        out["adversarial"]["lambda"] = lambdas[-1]
        out["adversarial"]["lambda_scan"] = lambdas if len(lambdas) > 1 else []
    if options.get("competitor"):
        out["competitor"] = {
            "path": str(options["competitor"]),
            "features": list(options.get("competitor_features") or []),
        }
    if options.get("progress") is False:
        out["progress"] = False
    return out


def fit_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The flat settings the fitters read: training block plus the model blocks."""
    return {
        **config["training"],
        "network": config["network"],
        "bdt": config["bdt"],
        "adversarial": config["adversarial"],
        "lambda": config["adversarial"]["lambda"],
        "anomaly": config["anomaly"],
        "tune": config["tune"],
        "backend": config["backend"],
        "progress": config["progress"],
    }
