"""The trained-model directory: `manifest.json` plus one model file per fold, read back for scoring.

Contract (shared with the exporter and the C++ inference):
    {"format": "higgshunt-trained", "version": 1, "kind": "dnn|adversarial|bdt|ae|vae",
     "backend": "keras|xgboost|tmva", "features": [...], "n_folds": k, "fold_rule": "eventNumber % n_folds",
     "score": "probability" | "reconstruction_mse", "files": ["fold0.keras", ...], "provenance": {...}}
The model of fold i was trained without the events of fold i and scores them; n_folds = 1 means one model for
all. Training settings that are not part of the contract go to `training.json` beside it.
"""

from __future__ import annotations

import fnmatch
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import InputError

log = logging.getLogger(__name__)

FORMAT = "higgshunt-trained"
VERSION = 1
FOLD_RULE = "eventNumber % n_folds"
SETTINGS_FILE = "training.json"
_SUFFIX = {"keras": ".keras", "xgboost": ".json", "tmva": ".weights.xml"}


def save(
    directory: Path,
    *,
    kind: str,
    backend: str,
    features: Sequence[str],
    models: Sequence[Any],
    provenance: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Write the fold models and manifest.json into `directory` (which the caller writes atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for fold, model in enumerate(models):
        name = f"fold{fold}{_SUFFIX[backend]}"
        if backend == "keras":
            model.save(directory / name)
        elif backend == "xgboost":
            # plain feature indices: readers score raw arrays in manifest order (names are in the manifest)
            model.feature_names = None
            model.save_model(str(directory / name))
        else:  # TMVA wrote its weight file during training; `model` is its path
            Path(model).replace(directory / name)
        files.append(name)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "backend": backend,
        "features": list(features),
        "n_folds": len(models),
        "fold_rule": FOLD_RULE,
        "score": "reconstruction_mse" if kind in ("ae", "vae") else "probability",
        "files": files,
        "provenance": provenance,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=2, default=str))
    return manifest


@dataclass
class TrainedModel:
    """A loaded model directory that scores raw features event by event with the fold rule."""

    directory: Path
    manifest: dict[str, Any]
    predictors: list[Callable[[np.ndarray], np.ndarray]]
    settings: dict[str, Any]

    @property
    def features(self) -> list[str]:
        return list(self.manifest["features"])

    def score(self, x: np.ndarray, fold: np.ndarray) -> np.ndarray:
        """Score each event with the model of its fold (the one that did not see it in training)."""
        out = np.empty(len(x))
        if len(self.predictors) == 1:
            return self.predictors[0](x)
        for f, predict in enumerate(self.predictors):
            sel = fold == f
            if sel.any():
                out[sel] = predict(x[sel])
        return out


def derived_columns(directory: str | Path) -> dict[str, str]:
    """The computed inputs of a trained model (feature name -> arithmetic expression of other columns, from
    its training settings' data.derived, those among its features); empty when all are plain columns."""
    path = Path(directory) / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        settings = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc
    spec = settings.get("data") or {}
    patterns = list(spec.get("features") or [])
    return {
        name: expression
        for name, expression in (spec.get("derived") or {}).items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }


def load(directory: str | Path) -> TrainedModel:
    """Read a trained-model directory written by `higgshunt train`."""
    directory = Path(directory)
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable trained-model manifest ({exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise InputError(
            f"{path}: format/version {manifest.get('format')}/{manifest.get('version')}, "
            f"expected {FORMAT}/{VERSION}"
        )
    settings_path = directory / SETTINGS_FILE
    settings = json.loads(settings_path.read_text()) if settings_path.exists() else {}
    predictors = [_predictor(directory / name, manifest) for name in manifest["files"]]
    return TrainedModel(directory, manifest, predictors, settings)


def _predictor(path: Path, manifest: dict[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    if not path.exists():
        raise InputError(f"{path}: model file listed in manifest.json is missing")
    backend = manifest["backend"]
    if backend == "keras":
        import keras

        from higgshunt.learning.training import keras_predictor

        model = keras.models.load_model(path, compile=False, safe_mode=True)
        if manifest["score"] == "reconstruction_mse":
            from higgshunt.learning.anomaly import reconstruction_scorer

            return reconstruction_scorer(model)
        return keras_predictor(model)
    if backend == "xgboost":
        from higgshunt.learning.bdt import xgboost_predictor

        return xgboost_predictor(path)
    if backend == "tmva":
        from higgshunt.learning.bdt import tmva_predictor

        return tmva_predictor(path, manifest["features"])
    raise InputError(f"{path.parent / 'manifest.json'}: unknown backend '{backend}'")
