"""`higgshunt export`: a trained-model directory -> one higgshunt-model JSON file read by the C++ library.

The format is documented in docs/model_format.md. Every export is checked before it is kept: the C++
evaluation of the written file must reproduce the training library's own predictions on generated inputs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt import native
from higgshunt.errors import ModelFormatError
from higgshunt.inference.manifest import FOLD_RULE, TrainedModel, load_manifest
from higgshunt.outputs import atomic_output
from higgshunt.provenance import collect

log = logging.getLogger(__name__)

MODEL_FORMAT = "higgshunt-model"
MODEL_VERSION = 1
EXPORT_NAME = "higgshunt_model.json"
# The check guards against unsupported structure, whose errors are O(0.1); float32 rounding stays near 1e-6.
CHECK_TOLERANCE = 1e-4
_KIND = {"dnn": "dnn", "adversarial": "dnn", "bdt": "bdt", "ae": "ae", "vae": "ae"}


def default_output(model_dir: str | Path) -> Path:
    """Where `export_model` writes by default: beside the manifest."""
    return Path(model_dir) / EXPORT_NAME


def is_current(model_dir: str | Path, output: str | Path | None = None) -> bool:
    """Whether `output` exists, has this format version and comes from the trained model as it is now."""
    trained = load_manifest(model_dir)
    path = Path(output) if output is not None else default_output(model_dir)
    try:
        exported = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return (
        exported.get("format") == MODEL_FORMAT
        and exported.get("version") == MODEL_VERSION
        and exported.get("source", {}).get("sha256") == trained.source_hash()
    )


def export_model(
    model_dir: str | Path,
    output: str | Path | None = None,
    *,
    check: bool = True,
    n_check: int = 256,
    seed: int = 0,
) -> Path:
    """Export the trained model in `model_dir` to the higgshunt-model JSON format.

    Args:
        model_dir: a trained-model directory (manifest.json + one Keras or XGBoost file per fold).
        output: the file to write; `<model_dir>/higgshunt_model.json` by default.
        check: evaluate the written file with the C++ library on `n_check` generated events per fold and
            require agreement with Keras `predict` / XGBoost `predict` (to CHECK_TOLERANCE).
        n_check: events per fold for the check.
        seed: seed of the generated check events.

    Returns:
        The path written.

    Raises:
        ModelFormatError: the directory or a model file is not supported, or the check fails (then nothing
            is written).
    """
    trained = load_manifest(model_dir)
    path = Path(output) if output is not None else default_output(model_dir)
    folds, score = _convert(trained)
    document = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "kind": _KIND[trained.kind],
        "score": score,
        "features": list(trained.features),
        "n_folds": trained.n_folds,
        "fold_rule": FOLD_RULE,
        "folds": folds,
        "source": {
            "directory": str(trained.directory.resolve()),
            "kind": trained.kind,
            "backend": trained.backend,
            "files": [f.name for f in trained.files],
            "sha256": trained.source_hash(),
            "training_provenance": trained.provenance,
        },
        "provenance": collect(
            {"model_dir": str(trained.directory.resolve()), "check": check, "n_check": n_check, "seed": seed}
        ),
    }
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(document))
        if check:
            _check(trained, tmp, n_check, seed)
    log.info("exported %s (%s, %d fold(s)) to %s", trained.directory, trained.kind, trained.n_folds, path)
    return path


def _convert(trained: TrainedModel) -> tuple[list[dict[str, Any]], str]:
    if trained.backend == "keras":
        from higgshunt.inference.networks import convert_keras

        return [convert_keras(f, len(trained.features)) for f in trained.files], trained.score
    from higgshunt.inference.trees import convert_xgboost

    folds, links = zip(*(convert_xgboost(f, trained.features) for f in trained.files), strict=True)
    if trained.score == "probability" and set(links) != {"logistic"}:
        raise ModelFormatError(
            f"{trained.directory}: the manifest promises probabilities but the boosters' "
            "objective is not logistic"
        )
    return list(folds), "probability" if links[0] == "logistic" else "value"


def check_inputs(fold: dict[str, Any], n_events: int, rng: np.random.Generator) -> np.ndarray:
    """Generated events that exercise a fold model: around the normalisation for a network; spanning the split
    thresholds of each feature, with 10% missing values, for trees."""
    n = int(fold["n_inputs"])
    if fold["type"] == "network":
        norm = fold["normalization"]
        x = np.asarray(norm["mean"]) + np.asarray(norm["scale"]) * rng.normal(size=(n_events, n))
        return x.astype(np.float32)
    lo, hi = np.full(n, -1.0), np.full(n, 1.0)
    for tree in fold["trees"]:
        for feature, left, value in zip(tree["feature"], tree["left"], tree["value"], strict=True):
            if left >= 0:
                lo[feature], hi[feature] = min(lo[feature], value), max(hi[feature], value)
    pad = 0.1 * (hi - lo)
    x = rng.uniform(lo - pad, hi + pad, size=(n_events, n))
    x[rng.random(size=x.shape) < 0.1] = np.nan
    return x.astype(np.float32)


def _check(trained: TrainedModel, path: Path, n_events: int, seed: int) -> None:
    try:
        model = native.core().Model(str(path))
    except RuntimeError as exc:
        raise ModelFormatError(f"{trained.directory}: the exported model does not load: {exc}") from exc
    from higgshunt.learning import manifest as learning_manifest

    # the reference: each fold model scored by its own library, through the training stage's scorer
    predictors = learning_manifest.load(trained.directory).predictors
    document = json.loads(path.read_text())
    rng = np.random.default_rng(seed)
    for fold, predict in enumerate(predictors):
        x = check_inputs(document["folds"][fold], n_events, rng)
        ours = model.evaluate_fold(fold, x).astype(np.float64)
        theirs = np.asarray(predict(x), dtype=np.float64).reshape(len(x))
        diff = float(np.max(np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))))
        if not diff <= CHECK_TOLERANCE:
            raise ModelFormatError(
                f"{trained.files[fold]}: the exported model differs from {trained.backend}'s prediction by "
                f"up to {diff:.3g} (tolerance {CHECK_TOLERANCE}); its structure is probably not supported"
            )
        log.debug("fold %d: largest relative difference to %s %.2g", fold, trained.backend, diff)
