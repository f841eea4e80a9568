"""Boosted trees -> the `trees` evaluator of the higgshunt-model format: XGBoost boosters (JSON from
`Booster.save_model`) and LightGBM boosters (the text model of `Booster.model_to_string`).

XGBoost 3.x semantics followed here:
- `learner_model_param.base_score` is the intercept in the objective's output space, written as a vector
  string such as "[4.85E-1]"; for logistic objectives the trees start from its logit (XGBoost's ProbToMargin).
- Leaf outputs are stored in `split_conditions`; a node with left child -1 is a leaf.
- A split sends `x < threshold` (both float32) left, NaN along `default_left`.

LightGBM 4.x semantics (text model), mapped onto the same evaluator:
- A split sends `x <= threshold` left, with a float64 threshold. For a float32 input this is
  `x < t32`, where t32 is the float32 just above the largest float32 <= threshold: exact, not rounded.
- `decision_type` bit 1 is default-left; bits 2-3 the missing type: NaN (NaN goes the default way), None
  (NaN is scored as 0, so it goes where 0 goes). Zero-as-missing and categorical splits are refused.
- The initial score is folded into the first tree's leaves (base margin 0); leaf values already include the
  shrinkage; the binary objective's `sigmoid:s` scales the margin, so leaves are multiplied by s.
- Leaves are the negative children ~j; nodes are renumbered depth-first so children follow their parent.
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


# LightGBM objective (first word of the `objective=` line) -> link
LIGHTGBM_OBJECTIVES = {
    "binary": "logistic",
    "cross_entropy": "logistic",
    "regression": "identity",
}
_DEFAULT_LEFT = 2
_MISSING_NONE, _MISSING_ZERO, _MISSING_NAN = 0, 1, 2
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def lightgbm_sections(text: str, where: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The header (key -> value) and the trees (one key -> value dict each) of a LightGBM text model."""
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current = header
    for line in text.splitlines():
        line = line.strip()
        if line == "end of trees":
            break
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
        elif "=" in line:
            key, value = line.split("=", 1)
            current[key] = value
    if header.get("version") is None or "max_feature_idx" not in header:
        raise ModelFormatError(f"{where}: not a LightGBM text model (no version / max_feature_idx header)")
    return header, trees


def lightgbm_feature_count(text: str, where: str) -> int:
    """The number of inputs of a LightGBM text model."""
    header, _ = lightgbm_sections(text, where)
    try:
        return int(header["max_feature_idx"]) + 1
    except ValueError as exc:
        raise ModelFormatError(
            f"{where}: max_feature_idx {header['max_feature_idx']!r} is not a number"
        ) from exc


def _threshold_below(threshold: float) -> float:
    """The float32 t32 with `x < t32` <=> `x <= threshold` for every float32 x."""
    t = np.float32(min(max(threshold, -_FLOAT32_MAX), _FLOAT32_MAX))
    if float(t) > threshold:
        t = np.nextafter(t, np.float32(-np.inf))
    return float(np.nextafter(t, np.float32(np.inf)))


def _lightgbm_tree(tree: dict[str, str], scale: float, where: str) -> dict[str, Any]:
    def numbers(key: str, kind: type) -> list[Any]:
        return [kind(v) for v in tree.get(key, "").split()]

    try:
        if int(tree.get("num_cat", "0")) > 0:
            raise ModelFormatError(f"{where}: categorical splits are not supported")
        if int(tree.get("is_linear", "0")) != 0:
            raise ModelFormatError(f"{where}: linear trees are not supported")
        leaves = [float(v) * scale for v in numbers("leaf_value", float)]
        if int(tree["num_leaves"]) == 1:
            return {"left": [-1], "right": [-1], "feature": [0], "value": leaves[:1], "default_left": [0]}
        feature, threshold = numbers("split_feature", int), numbers("threshold", float)
        decision, left, right = (
            numbers("decision_type", int),
            numbers("left_child", int),
            numbers("right_child", int),
        )
    except (KeyError, ValueError) as exc:
        raise ModelFormatError(f"{where}: unreadable LightGBM tree ({exc})") from exc
    # depth-first order: node i is an internal node, ~j (negative) the leaf j
    order, stack = [], [0]
    while stack:
        node = stack.pop()
        order.append(node)
        if node >= 0:
            stack += [right[node], left[node]]
    position = {node: i for i, node in enumerate(order)}
    out: dict[str, list[Any]] = {"left": [], "right": [], "feature": [], "value": [], "default_left": []}
    for node in order:
        if node < 0:
            for key, value in (("left", -1), ("right", -1), ("feature", 0), ("default_left", 0)):
                out[key].append(value)
            out["value"].append(float(np.float32(leaves[~node])))
            continue
        missing = (decision[node] >> 2) & 3
        if decision[node] & 1:
            raise ModelFormatError(f"{where}: categorical splits are not supported")
        if missing == _MISSING_ZERO:
            raise ModelFormatError(f"{where}: zero-as-missing splits are not supported")
        default_left = (
            bool(decision[node] & _DEFAULT_LEFT) if missing == _MISSING_NAN else 0.0 <= threshold[node]
        )
        out["left"].append(position[left[node]])
        out["right"].append(position[right[node]])
        out["feature"].append(feature[node])
        out["value"].append(_threshold_below(threshold[node]))
        out["default_left"].append(int(default_left))
    return out


def convert_lightgbm(path: Path, features: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    """The `trees` evaluator JSON of the LightGBM text model at `path`, and its link."""
    where = str(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{where}: not a LightGBM text model ({exc})") from exc
    header, trees = lightgbm_sections(text, where)
    if int(header.get("num_class", "1")) != 1 or int(header.get("num_tree_per_iteration", "1")) != 1:
        raise ModelFormatError(f"{where}: multi-class models are not supported")
    if "average_output" in header:
        raise ModelFormatError(f"{where}: random-forest (averaged) models are not supported")
    objective, *options = header.get("objective", "").split()
    if objective not in LIGHTGBM_OBJECTIVES:
        raise ModelFormatError(
            f"{where}: objective {objective!r} is not supported ({', '.join(LIGHTGBM_OBJECTIVES)})"
        )
    if lightgbm_feature_count(text, where) != len(features):
        raise ModelFormatError(
            f"{where}: the booster has {header['max_feature_idx']}+1 features, expected {len(features)}"
        )
    scale = 1.0
    for option in options:
        if option.startswith("sigmoid:"):
            scale = float(option.split(":", 1)[1])
    link = LIGHTGBM_OBJECTIVES[objective]
    return {
        "type": "trees",
        "n_inputs": len(features),
        "link": link,
        "base_margin": 0.0,
        "trees": [_lightgbm_tree(tree, scale, f"{where}: tree {i}") for i, tree in enumerate(trees)],
    }, link
