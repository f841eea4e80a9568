"""The trained-model directory written by `higgshunt train`: `manifest.json`, one model file per fold and the
training settings (`training.json`).

Manifest (format version 3, schema `schemas/artifacts/trained_model.json`):
    {"format": "higgshunt-trained", "version": 3, "kind": "dnn|adversarial|disco|bdt|ae|vae",
     "backend": "keras|xgboost|lightgbm|tmva", "features": [...], "n_folds": k,
     "fold_rule": "eventNumber % n_folds",
     "score": "probability" | "reconstruction_mse", "files": ["fold0.keras", ...],
     "training_folds": "eventNumber % 3", "training_events": "training_events.npy",
     "derived": {feature: expression}, "provenance": {...}}
The model of fold i was trained without the events of fold i and scores them; n_folds = 1 means one model for
all. `derived` holds the computed inputs among the features (e.g. "m34_over_m4l": "m34 / m4l"), so that
scoring elsewhere (the bump hunt's event loop) defines them from the same text. `training_folds` says how the
training events were really split (a table without eventNumber gets a seeded random split), and
`training_events.npy` holds hashes of their feature rows, so an evaluation can warn when it scores events a
model was trained on. Version 1 had no `derived`, version 2 no `training_folds` / `training_events`.

`load` is the one consistency check of a model directory, used by every command that loads one: format and
version, known kind, backend and score (and that they agree), one existing file per fold with the backend's
suffix, and features that agree with what the fold files say about their inputs where that is cheap to read
(an XGBoost booster's feature count and names, a LightGBM model's feature count, a Keras model's input width,
a TMVA weight file's variables).
Loading the fold models into predictors is the training stage's job.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np

from higgshunt.artifacts.documents import check_version, read_json, validate, write_json
from higgshunt.errors import ModelFormatError

FILE_NAME = "manifest.json"
SETTINGS = "training.json"
FORMAT = "higgshunt-trained"
VERSION = 3
TRAINING_EVENTS = "training_events.npy"
FOLD_RULE = "eventNumber % n_folds"
KINDS = ("dnn", "adversarial", "disco", "bdt", "ae", "vae")
ANOMALY_KINDS = ("ae", "vae")
SUFFIX = {"keras": ".keras", "xgboost": ".json", "lightgbm": ".txt", "tmva": ".weights.xml"}
_WHAT = "a trained-model manifest"


@dataclass(frozen=True)
class TrainedModel:
    """A checked trained-model directory.

    Attributes:
        directory: the model directory.
        kind: dnn, adversarial, disco, bdt, ae or vae.
        backend: keras, xgboost, lightgbm or tmva.
        features: the ordered input columns.
        n_folds: number of fold models; fold i scores the events with eventNumber % n_folds == i.
        score: probability or reconstruction_mse.
        files: one model file per fold, as paths in `directory`.
        derived: computed inputs among the features, name -> arithmetic expression of other columns.
        provenance: the training's provenance record.
        training_folds: how the training events were split into folds (the fold rule above applies to
            events scored later).
        settings: the merged training config (columns, seed, fit settings); empty when the directory has
            no settings file.
    """

    directory: Path
    kind: str
    backend: str
    features: tuple[str, ...]
    n_folds: int
    score: str
    files: tuple[Path, ...]
    derived: Mapping[str, str] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    fold_rule: str = FOLD_RULE
    training_folds: str = FOLD_RULE

    def training_events(self) -> np.ndarray:
        """Hashes of the training events' feature rows (`learning.data.row_hashes`), as saved."""
        path = self.directory / TRAINING_EVENTS
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelFormatError(f"{path}: cannot read the training events ({exc})") from exc

    @property
    def manifest_path(self) -> Path:
        """The manifest file of the directory."""
        return path(self.directory)

    @property
    def anomaly(self) -> bool:
        """Whether the score is an anomaly score (autoencoder reconstruction error)."""
        return self.score == "reconstruction_mse"

    @functools.cached_property
    def _source_hash(self) -> str:
        digest = hashlib.sha256()
        for path in (self.manifest_path, *self.files):
            digest.update(path.name.encode())
            try:
                digest.update(path.read_bytes())
            except OSError as exc:
                raise ModelFormatError(f"{path}: cannot read the model file ({exc.strerror})") from exc
        return digest.hexdigest()

    def source_hash(self) -> str:
        """SHA-256 over the manifest and the fold files, as loaded: changes whenever the trained model does.
        Read once per loaded model (the bump hunt asks for it once per sample)."""
        return self._source_hash


def path(directory: str | Path) -> Path:
    """The manifest of the trained-model directory `directory`."""
    return Path(directory) / FILE_NAME


def score_of(kind: str) -> str:
    """The score a model kind gives: the reconstruction error for autoencoders, a probability otherwise."""
    return "reconstruction_mse" if kind in ANOMALY_KINDS else "probability"


def save(
    directory: str | Path,
    *,
    kind: str,
    backend: str,
    features: Sequence[str],
    models: Sequence[Any],
    derived: Mapping[str, str],
    provenance: Mapping[str, Any],
    settings: Mapping[str, Any],
    training_folds: str = FOLD_RULE,
    training_events: np.ndarray | None = None,
) -> TrainedModel:
    """Write the fold models, the manifest and the settings into `directory` and return it loaded (checked).

    `directory` is a folder being written (the caller writes it under a temporary name and renames it when
    complete). `models` are one per fold: Keras models, XGBoost boosters, or the paths of TMVA weight files.
    `derived` may hold more expressions than the features use; only those of features are kept.
    `training_folds` says how the training events were split into folds (e.g. "eventNumber % 3", or a seeded
    random split for tables without eventNumber); `training_events` are 64-bit hashes of the training events'
    feature rows, so an evaluation can tell which of its events the models were trained on (none given: none
    recorded).

    Raises:
        OSError: a fold model cannot be written (no space, file too large, no permission); inside
            `atomic_output` it becomes an OutputError naming the output.
        OutputError: the manifest or settings cannot be written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for fold, model in enumerate(models):
        path = directory / f"fold{fold}{SUFFIX[backend]}"
        _save_fold(model, backend, path)
        files.append(path.name)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "backend": backend,
        "features": list(features),
        "n_folds": len(files),
        "fold_rule": FOLD_RULE,
        "training_folds": training_folds,
        "training_events": TRAINING_EVENTS,
        "score": score_of(kind),
        "files": files,
        "derived": {name: str(expr) for name, expr in derived.items() if name in features},
        "provenance": dict(provenance),
    }
    with (directory / TRAINING_EVENTS).open("wb") as handle:
        np.save(
            handle,
            np.asarray([] if training_events is None else training_events, dtype=np.uint64),
            allow_pickle=False,
        )
    write_json(directory / FILE_NAME, manifest)
    write_json(directory / SETTINGS, dict(settings))
    return load(directory)


def _save_fold(model: Any, backend: str, path: Path) -> None:
    """Save one fold model. Every backend writes through Python's file API, so a failed write is an OSError
    that the caller's `atomic_output` reports as one OutputError naming the output."""
    if backend == "keras":
        model.save(path)
    elif backend == "xgboost":
        # plain feature indices: readers score raw arrays in manifest order (names are in the manifest)
        model.feature_names = None
        # the same bytes as Booster.save_model, whose failed writes are an XGBoostError without the cause
        path.write_bytes(bytes(model.save_raw("json")))
    elif backend == "lightgbm":  # the fitter hands over the text model
        path.write_text(str(model))
    else:  # TMVA wrote its weight file during training (in a temporary folder, maybe on another disk)
        shutil.move(str(model), path)


def load(directory: str | Path) -> TrainedModel:
    """Read and check a trained-model directory (see the module docstring for what is checked).

    Raises:
        ModelFormatError: missing or unreadable manifest, another format or version, an unknown kind, backend
            or score, a file list that does not fit, a missing fold file, features that disagree with a fold
            model, an unreadable settings file.
    """
    directory = Path(directory)
    path = directory / FILE_NAME
    document = read_json(path, ModelFormatError, _WHAT)
    check_version(path, document, key="version", version=VERSION, error=ModelFormatError, what=_WHAT)
    validate(document, "trained_model", path, ModelFormatError)
    kind, backend, score = document["kind"], document["backend"], document["score"]
    if score != score_of(kind):
        raise ModelFormatError(f"{path}: score {score!r} does not go with kind {kind!r}")
    features = tuple(document["features"])
    unknown = sorted(set(document["derived"]) - set(features))
    if unknown:
        raise ModelFormatError(f"{path}: derived columns {unknown} are not among the features")
    files = _fold_files(path, document)
    for file in files:
        _check_inputs(file, backend, features)
    return TrainedModel(
        directory=directory,
        kind=kind,
        backend=backend,
        features=features,
        n_folds=int(document["n_folds"]),
        score=score,
        files=files,
        derived=dict(document["derived"]),
        provenance=dict(document["provenance"]),
        settings=_settings(directory / SETTINGS),
        training_folds=str(document["training_folds"]),
    )


def _fold_files(path: Path, document: dict[str, Any]) -> tuple[Path, ...]:
    n_folds, backend, names = document["n_folds"], document["backend"], document["files"]
    if len(names) != n_folds:
        raise ModelFormatError(
            f"{path}: key 'files' must list {n_folds} model files (one per fold), found {len(names)}"
        )
    suffix = SUFFIX[backend]
    files = []
    for name in names:
        file = path.parent / name
        if not name.endswith(suffix):
            raise ModelFormatError(f"{path}: file {name!r} of a {backend} model must end in {suffix}")
        if not file.is_file():
            raise ModelFormatError(f"{path}: listed model file {file} does not exist")
        files.append(file)
    return tuple(files)


def _settings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    settings = read_json(path, ModelFormatError, "the training settings of a trained model")
    if not isinstance(settings, dict):
        raise ModelFormatError(f"{path}: expected a JSON object of training settings")
    return settings


def _check_inputs(path: Path, backend: str, features: tuple[str, ...]) -> None:
    """Refuse a fold model whose inputs (as far as its file says cheaply) are not `features`."""
    count: int | None
    names: list[str]
    if backend == "xgboost":
        count, names = _booster_inputs(path)
        what = "booster"
    elif backend == "keras":
        count, names = _keras_input_width(path), []
        what = "Keras model"
    elif backend == "lightgbm":
        count, names = _lightgbm_inputs(path), []
        what = "LightGBM model"
    else:
        names = _tmva_variables(path)
        count, what = len(names), "TMVA weight file"
    if count is not None and count != len(features):
        raise ModelFormatError(f"{path}: the {what} has {count} features, the manifest lists {len(features)}")
    if names and tuple(names) != features:
        raise ModelFormatError(
            f"{path}: the {what}'s feature names {list(names)} differ from the manifest's features"
        )


def _booster_inputs(path: Path) -> tuple[int, list[str]]:
    """Feature count and names (empty when saved without) of an XGBoost JSON model."""
    try:
        learner = json.loads(path.read_text())["learner"]
        count = int(learner["learner_model_param"]["num_feature"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ModelFormatError(f"{path}: not an XGBoost JSON model ({_first_line(exc)})") from exc
    return count, [str(name) for name in learner.get("feature_names") or []]


def _lightgbm_inputs(path: Path) -> int:
    """The feature count of a LightGBM text model (`max_feature_idx` + 1 in its header)."""
    try:
        with path.open() as handle:
            for line in handle:
                if line.startswith("max_feature_idx="):
                    return int(line.split("=", 1)[1]) + 1
                if line.startswith("Tree="):
                    break
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelFormatError(f"{path}: not a LightGBM text model ({_first_line(exc)})") from exc
    raise ModelFormatError(f"{path}: not a LightGBM text model (no max_feature_idx in its header)")


def _keras_input_width(path: Path) -> int | None:
    """The input width of a `.keras` archive from its config (None when it has no single flat input)."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ModelFormatError(f"{path}: not a Keras model archive ({_first_line(exc)})") from exc
    shapes = [
        layer.get("config", {}).get("batch_shape")
        for layer in config.get("config", {}).get("layers", [])
        if isinstance(layer, dict) and layer.get("class_name") == "InputLayer"
    ]
    if not shapes:
        shapes = [(config.get("build_config") or {}).get("input_shape")]
    if len(shapes) != 1 or not isinstance(shapes[0], list) or len(shapes[0]) != 2:
        return None
    width = shapes[0][-1]
    return width if isinstance(width, int) else None


def _tmva_variables(path: Path) -> list[str]:
    """The input variables of a TMVA weight file, in order."""
    try:
        for _, element in ElementTree.iterparse(path):
            if element.tag == "Variables":
                return [str(v.get("Expression") or v.get("Label")) for v in element.iter("Variable")]
    except (OSError, ElementTree.ParseError) as exc:
        raise ModelFormatError(f"{path}: not a TMVA weight file ({_first_line(exc)})") from exc
    raise ModelFormatError(f"{path}: not a TMVA weight file (no <Variables>)")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
