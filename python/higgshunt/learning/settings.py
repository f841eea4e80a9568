"""Training configuration: defaults, merging with a YAML config or command-line options, validation.

A config (see `configs/train_*.yaml` and `schemas/train.json`) has the blocks data, model, training, network,
bdt, adversarial, anomaly, tune, competitor, output. Missing keys take the schema's defaults.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from higgshunt import configuration

log = logging.getLogger(__name__)

MODEL_KINDS = ("dnn", "adversarial", "disco", "bdt", "ae", "vae", "tune")
SCHEMA = "train"
# Each command-line option (by its argparse name): as typed, and the config key path it sets; a bad value is
# reported under the option's name.
OPTIONS = {
    "data": ("--data", "data.path"),
    "features": ("--features", "data.features"),
    "key": ("--key", "data.key"),
    "label": ("--label", "data.label"),
    "signal_value": ("--signal-value", "data.signal_value"),
    "weight": ("--weight", "data.weight"),
    "mass": ("--mass", "data.mass"),
    "drop_nonfinite": ("--drop-nonfinite", "data.drop_nonfinite"),
    "model": ("--model", "model"),
    "output": ("--output", "output"),
    "folds": ("--folds", "training.folds"),
    "seed": ("--seed", "training.seed"),
    "epochs": ("--epochs", "training.epochs"),
    "backend": ("--backend", "backend"),
    "lambdas": ("--lambda", "adversarial"),
    "alpha": ("--alpha", "disco"),
    "competitor_features": ("--competitor-features", "competitor.features"),
    "competitor": ("--competitor", "competitor"),
}


def merged(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every missing key filled from the schema's defaults (`schemas/train.json`)."""
    return configuration.with_defaults(config, SCHEMA)


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a training config (YAML), then fill defaults."""
    return merged(configuration.load(path, SCHEMA))


def from_options(options: dict[str, Any]) -> dict[str, Any]:
    """A validated config from command-line style options (None = not given).

    Keys: data, key, features (list), label, signal_value, weight, mass, model, output, folds, seed, epochs,
        lambdas (list), backend, competitor, competitor_features, drop_nonfinite, progress.
    """
    data = {
        k: options[k]
        for k in ("key", "label", "signal_value", "weight", "mass", "drop_nonfinite")
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
    alphas = options.get("alpha") or []
    if alphas:
        config["disco"] = {"alpha": alphas[-1], "alpha_scan": alphas if len(alphas) > 1 else []}
    lambdas = options.get("lambdas") or []
    if lambdas:
        config["adversarial"] = {"lambda": lambdas[-1], "lambda_scan": lambdas if len(lambdas) > 1 else []}
    if options.get("competitor"):
        config["competitor"] = {
            "path": str(options["competitor"]),
            "features": list(options.get("competitor_features") or []),
        }
    if options.get("progress") is not None:
        config["progress"] = bool(options["progress"])
    configuration.validate(config, SCHEMA, source="command line", options=_option_names(options))
    return merged(config)


def with_overrides(config: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """A loaded config with command-line overrides (output, folds, seed, epochs, lambdas, backend, model,
    competitor, drop_nonfinite, progress) applied, validated again (a bad value is a ConfigError naming its
    option)."""
    out = copy.deepcopy(config)
    for key in ("folds", "seed", "epochs"):
        if options.get(key) is not None:
            out["training"][key] = options[key]
    if options.get("drop_nonfinite") is not None:
        out["data"]["drop_nonfinite"] = bool(options["drop_nonfinite"])
    if options.get("output"):
        out["output"] = str(options["output"])
    if options.get("backend"):
        out["backend"] = options["backend"]
    if options.get("model"):
        out["model"] = options["model"]
    alphas = options.get("alpha") or []
    if alphas:
        out["disco"]["alpha"] = alphas[-1]
        out["disco"]["alpha_scan"] = alphas if len(alphas) > 1 else []
    lambdas = options.get("lambdas") or []
    if lambdas:
        out["adversarial"]["lambda"] = lambdas[-1]
        out["adversarial"]["lambda_scan"] = lambdas if len(lambdas) > 1 else []
    if options.get("competitor"):
        out["competitor"] = {
            "path": str(options["competitor"]),
            "features": list(options.get("competitor_features") or []),
        }
    if options.get("progress") is not None:
        out["progress"] = bool(options["progress"])
    configuration.validate(out, SCHEMA, source="command line", options=_option_names(options))
    return out


def _option_names(options: dict[str, Any]) -> dict[str, str]:
    """Config key path -> command-line option, for the options given."""
    return {key: flag for name, (flag, key) in OPTIONS.items() if options.get(name) is not None}


def fit_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The flat settings the fitters read: training block plus the model blocks."""
    return {
        **config["training"],
        "network": config["network"],
        "bdt": config["bdt"],
        "adversarial": config["adversarial"],
        "lambda": config["adversarial"]["lambda"],
        "disco": config["disco"],
        "anomaly": config["anomaly"],
        "tune": config["tune"],
        "backend": config["backend"],
        "progress": config["progress"],
    }
