"""XGBoost boosters (JSON from `Booster.save_model`) -> the `trees` evaluator of the higgshunt-model format.

XGBoost 3.x semantics followed here:
- `learner_model_param.base_score` is the intercept in the objective's output space, written as a vector
  string such as "[4.85E-1]"; for logistic objectives the trees start from its logit (XGBoost's ProbToMargin).
- Leaf outputs are stored in `split_conditions`; a node with left child -1 is a leaf.
- A split sends `x < threshold` (both float32) left, NaN along `default_left`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import ModelFormatError

log = logging.getLogger(__name__)

# objective -> (link applied to the margin, score name of the exported model)
OBJECTIVES = {
    "binary:logistic": "logistic",
    "reg:logistic": "logistic",
    "reg:squarederror": "identity",
}


def _base_score(raw: str, where: str) -> float:
    values = [float(v) for v in str(raw).strip("[]").split(",") if v.strip()]
    if len(values) != 1:
        raise ModelFormatError(
            f"{where}: base_score {raw!r} has {len(values)} values; only one output is supported"
        )
    return values[0]


def _base_margin(base_score: float, link: str, where: str) -> float:
    if link == "identity":
        return float(np.float32(base_score))
    p = np.float32(base_score)
    if not 0.0 < p < 1.0:
        raise ModelFormatError(f"{where}: base_score {base_score} is not a probability")
    # -log(1/p - 1) in float32, as XGBoost's LogisticRegression::ProbToMargin.
    return float(np.float32(-np.log(np.float32(1.0) / p - np.float32(1.0))))


def _tree(tree: dict[str, Any], where: str) -> dict[str, Any]:
    if any(int(t) != 0 for t in tree.get("split_type", [])):
        raise ModelFormatError(f"{where}: categorical splits are not supported")
    if int(tree.get("tree_param", {}).get("size_leaf_vector", "1")) > 1:
        raise ModelFormatError(f"{where}: vector leaves (multi-target trees) are not supported")
    return {
        "left": [int(v) for v in tree["left_children"]],
        "right": [int(v) for v in tree["right_children"]],
        "feature": [int(v) for v in tree["split_indices"]],
        "value": np.asarray(tree["split_conditions"], dtype=np.float32).astype(np.float64).tolist(),
        "default_left": [int(v) for v in tree["default_left"]],
    }


def convert_xgboost(path: Path, features: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    """The `trees` evaluator JSON of the XGBoost model at `path`, and its link ("logistic" or "identity").

    `features` are the model's inputs, already checked against the booster by `trained_model.load`."""
    where = str(path)
    try:
        learner = json.loads(path.read_text())["learner"]
        objective = learner["objective"]["name"]
        booster = learner["gradient_booster"]
        params = learner["learner_model_param"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelFormatError(f"{where}: not an XGBoost JSON model ({exc})") from exc
    if objective not in OBJECTIVES:
        raise ModelFormatError(f"{where}: objective {objective!r} is not supported ({', '.join(OBJECTIVES)})")
    if booster.get("name") != "gbtree":
        raise ModelFormatError(f"{where}: booster {booster.get('name')!r} is not supported (gbtree only)")
    if int(params.get("num_class", "0")) > 1 or int(params.get("num_target", "1")) != 1:
        raise ModelFormatError(f"{where}: multi-class or multi-target models are not supported")
    if "best_iteration" in learner.get("attributes", {}):
        log.warning(
            "%s: trained with early stopping (best_iteration %s); exporting all trees, as "
            "Booster.predict does",
            where,
            learner["attributes"]["best_iteration"],
        )
    link = OBJECTIVES[objective]
    trees = booster["model"]["trees"]
    return {
        "type": "trees",
        "n_inputs": len(features),
        "link": link,
        "base_margin": _base_margin(_base_score(params["base_score"], where), link, where),
        "trees": [_tree(tree, f"{where}: tree {i}") for i, tree in enumerate(trees)],
    }, link
