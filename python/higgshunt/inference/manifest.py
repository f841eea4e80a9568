"""The trained-model directory written by `higgshunt train`: its manifest, read and checked."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt.errors import ModelFormatError

# the training stage writes the directory: its format constants are the one definition
from higgshunt.learning.manifest import FOLD_RULE, FORMAT, VERSION

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_KINDS = {"dnn", "adversarial", "bdt", "ae", "vae"}
_BACKENDS = {"keras", "xgboost"}
_SCORES = {"probability", "reconstruction_mse"}


@dataclass(frozen=True)
class TrainedModel:
    """A checked trained-model directory.

    Attributes:
        directory: the model directory.
        kind: dnn, adversarial, bdt, ae or vae.
        backend: keras or xgboost.
        features: the ordered input columns.
        n_folds: number of fold models; fold i scores the events with eventNumber % n_folds == i.
        score: probability or reconstruction_mse.
        files: one model file per fold, as absolute paths.
        provenance: the training's provenance record.
    """

    directory: Path
    kind: str
    backend: str
    features: tuple[str, ...]
    n_folds: int
    score: str
    files: tuple[Path, ...]
    provenance: dict[str, Any]

    def source_hash(self) -> str:
        """SHA-256 over the manifest and the fold files: changes whenever the trained model does."""
        digest = hashlib.sha256()
        for path in (self.directory / MANIFEST, *self.files):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def _require(manifest: dict[str, Any], key: str, path: Path, allowed: set[str] | None = None) -> Any:
    if key not in manifest:
        raise ModelFormatError(f"{path}: missing key '{key}'")
    value = manifest[key]
    if allowed is not None and value not in allowed:
        raise ModelFormatError(f"{path}: key '{key}' is {value!r}, expected one of {sorted(allowed)}")
    return value


def load_manifest(directory: str | Path) -> TrainedModel:
    """Read `<directory>/manifest.json` and check it against the trained-model contract.

    Raises:
        ModelFormatError: missing or unreadable manifest, another format or version, unknown kind, backend or
            score, a feature list or file list that does not fit, a listed model file that does not exist.
    """
    directory = Path(directory)
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file (expected a trained-model directory)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path}: cannot read the manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFormatError(f"{path}: key 'format' must be {FORMAT!r}")
    if manifest.get("version") != VERSION:
        raise ModelFormatError(
            f"{path}: key 'version' is {manifest.get('version')!r}, this code reads version {VERSION}"
        )
    kind = _require(manifest, "kind", path, _KINDS)
    backend = _require(manifest, "backend", path)
    if backend not in _BACKENDS:
        raise ModelFormatError(
            f"{path}: key 'backend' is {backend!r}; only keras and xgboost models can be "
            "exported (ROOT here has no TMVA)"
        )
    features = _require(manifest, "features", path)
    if not isinstance(features, list) or not features or not all(isinstance(f, str) for f in features):
        raise ModelFormatError(f"{path}: key 'features' must be a non-empty list of column names")
    n_folds = _require(manifest, "n_folds", path)
    if not isinstance(n_folds, int) or n_folds < 1:
        raise ModelFormatError(f"{path}: key 'n_folds' must be a positive integer, found {n_folds!r}")
    rule = manifest.get("fold_rule", FOLD_RULE)
    if rule != FOLD_RULE:
        raise ModelFormatError(f"{path}: key 'fold_rule' is {rule!r}, expected {FOLD_RULE!r}")
    score = _require(manifest, "score", path, _SCORES)
    if (score == "reconstruction_mse") != (kind in {"ae", "vae"}):
        raise ModelFormatError(f"{path}: score {score!r} does not go with kind {kind!r}")
    files = _require(manifest, "files", path)
    if not isinstance(files, list) or len(files) != n_folds:
        raise ModelFormatError(f"{path}: key 'files' must list {n_folds} model files (one per fold)")
    suffix = ".keras" if backend == "keras" else ".json"
    resolved = []
    for name in files:
        file = directory / str(name)
        if file.suffix != suffix:
            raise ModelFormatError(f"{path}: file {name!r} of a {backend} model must end in {suffix}")
        if not file.is_file():
            raise ModelFormatError(f"{path}: listed model file {file} does not exist")
        resolved.append(file)
    return TrainedModel(
        directory=directory,
        kind=kind,
        backend=backend,
        features=tuple(features),
        n_folds=n_folds,
        score=score,
        files=tuple(resolved),
        provenance=dict(manifest.get("provenance", {})),
    )
