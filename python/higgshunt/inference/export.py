"""`higgshunt export`: a trained-model directory -> one higgshunt-model JSON file read by the C++ library.

The format is documented in docs/model_format.md. Every export is checked before it is kept: the C++
evaluation of the written file must reproduce the training library's own predictions on generated inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt import native
from higgshunt.artifacts import exported_model, trained_model
from higgshunt.artifacts.exported_model import ExportedModel
from higgshunt.artifacts.trained_model import TrainedModel
from higgshunt.errors import ModelFormatError
from higgshunt.provenance import collect

log = logging.getLogger(__name__)

# The check guards against unsupported structure, whose errors are O(0.1); float32 rounding stays near 1e-6.
CHECK_TOLERANCE = 1e-4
_KIND = {"dnn": "dnn", "adversarial": "dnn", "disco": "dnn", "bdt": "bdt", "ae": "ae", "vae": "ae"}
_EXPORTABLE = ("keras", "xgboost", "lightgbm")


def as_trained(model: TrainedModel | str | Path) -> TrainedModel:
    """A trained model as given, or read and checked from its directory."""
    return model if isinstance(model, TrainedModel) else trained_model.load(model)


def is_current(model: TrainedModel | str | Path, output: str | Path | None = None) -> bool:
    """Whether `output` exists, is a readable exported model of this format version and comes from the
    trained model as it is now."""
    model = as_trained(model)
    path = Path(output) if output is not None else exported_model.default_path(model.directory)
    try:
        exported = exported_model.load(path)
    except ModelFormatError:
        return False
    return exported.source_hash == model.source_hash()


def export_model(
    model: TrainedModel | str | Path,
    output: str | Path | None = None,
    *,
    check: bool = True,
    n_check: int = 256,
    seed: int = 0,
) -> Path:
    """Export a trained model to the higgshunt-model JSON format.

    Args:
        model: a trained-model directory (one Keras or XGBoost file per fold), or one already loaded.
        output: the file to write; by default the exported-model file in the model directory.
        check: evaluate the written file with the C++ library on `n_check` generated events per fold and
            require agreement with Keras `predict` / XGBoost `predict` (to CHECK_TOLERANCE).
        n_check: events per fold for the check.
        seed: seed of the generated check events.

    Returns:
        The path written.

    Raises:
        ModelFormatError: the directory or a model file is not supported, or the check fails (then nothing
            is written).
        OutputError: `output` is a folder or cannot be written.
    """
    model = as_trained(model)
    path = exported_model.check_output(
        output if output is not None else exported_model.default_path(model.directory)
    )
    if model.backend not in _EXPORTABLE:
        raise ModelFormatError(
            f"{model.manifest_path}: backend {model.backend!r}; only keras, xgboost and lightgbm models "
            "can be exported (ROOT here has no TMVA)"
        )
    folds, score = _convert(model)
    directory = str(model.directory.resolve())
    exported = ExportedModel(
        kind=_KIND[model.kind],
        score=score,
        features=model.features,
        folds=tuple(folds),
        source={
            "directory": directory,
            "kind": model.kind,
            "backend": model.backend,
            "files": [f.name for f in model.files],
            "sha256": model.source_hash(),
            "training_provenance": dict(model.provenance),
        },
        provenance=collect({"model_dir": directory, "check": check, "n_check": n_check, "seed": seed}),
    )
    verify = (lambda tmp: _check(model, exported, tmp, n_check, seed)) if check else None
    exported_model.save(path, exported, check=verify)
    log.info("exported %s (%s, %d fold(s)) to %s", model.directory, model.kind, model.n_folds, path)
    return path


def _convert(trained: TrainedModel) -> tuple[list[dict[str, Any]], str]:
    if trained.backend == "keras":
        from higgshunt.inference.networks import convert_keras

        return [convert_keras(f, len(trained.features)) for f in trained.files], trained.score
    from higgshunt.inference.trees import convert_lightgbm, convert_xgboost

    convert = convert_lightgbm if trained.backend == "lightgbm" else convert_xgboost
    folds, links = zip(*(convert(f, trained.features) for f in trained.files), strict=True)
    if trained.score == "probability" and set(links) != {"logistic"}:
        raise ModelFormatError(
            f"{trained.directory}: the manifest promises probabilities but the boosters' "
            "objective is not logistic"
        )
    return list(folds), "probability" if links[0] == "logistic" else "value"


def check_inputs(fold: Mapping[str, Any], n_events: int, rng: np.random.Generator) -> np.ndarray:
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


def _check(trained: TrainedModel, exported: ExportedModel, path: Path, n_events: int, seed: int) -> None:
    try:
        model = native.core().Model(str(path))
    except RuntimeError as exc:
        raise ModelFormatError(f"{trained.directory}: the exported model does not load: {exc}") from exc
    from higgshunt.learning import load_model

    # the reference: each fold model scored by its own library, through the training stage's scorer
    predictors = load_model(trained).predictors
    rng = np.random.default_rng(seed)
    for fold, predict in enumerate(predictors):
        x = check_inputs(exported.folds[fold], n_events, rng)
        ours = model.evaluate_fold(fold, x).astype(np.float64)
        theirs = np.asarray(predict(x), dtype=np.float64).reshape(len(x))
        diff = float(np.max(np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))))
        if not diff <= CHECK_TOLERANCE:
            raise ModelFormatError(
                f"{trained.files[fold]}: the exported model differs from {trained.backend}'s prediction by "
                f"up to {diff:.3g} (tolerance {CHECK_TOLERANCE}); its structure is probably not supported"
            )
        log.debug("fold %d: largest relative difference to %s %.2g", fold, trained.backend, diff)
