"""The exported model: a trained model as one `higgshunt-model` JSON file, read by the C++ inference
(`higgshunt::Model`, format in docs/model_format.md, schema `schemas/artifacts/exported_model.json`).

Written by `higgshunt export` (by default as FILE_NAME in the trained-model directory) and read by the event
loop's score column, which re-exports when the file is missing, of another version or from another state of
the trained model (`source.sha256`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import check_version, read_json, validate
from higgshunt.artifacts.trained_model import FOLD_RULE
from higgshunt.errors import ModelFormatError, OutputError
from higgshunt.outputs import atomic_output, check_replaceable

FILE_NAME = "higgshunt_model.json"
FORMAT = "higgshunt-model"
VERSION = 1
_WHAT = "a higgshunt-model file"


@dataclass(frozen=True)
class ExportedModel:
    """The content of a higgshunt-model file.

    Attributes:
        kind: dnn (also adversarial classifiers), bdt or ae (also VAEs).
        score: probability, reconstruction_mse or value.
        features: the ordered input columns.
        folds: one evaluator per fold model (`{"type": "network" | "trees", "n_inputs": ..., ...}`).
        source: the trained model it comes from; `source["sha256"]` is its `TrainedModel.source_hash()`.
        provenance: code and library versions, export options.
    """

    kind: str
    score: str
    features: tuple[str, ...]
    folds: tuple[Mapping[str, Any], ...]
    source: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    fold_rule: str = FOLD_RULE

    @property
    def n_folds(self) -> int:
        return len(self.folds)

    @property
    def source_hash(self) -> str:
        """The hash of the trained model this file was exported from."""
        return str(self.source.get("sha256", ""))

    def document(self) -> dict[str, Any]:
        """The JSON document of the file."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": self.kind,
            "score": self.score,
            "features": list(self.features),
            "n_folds": self.n_folds,
            "fold_rule": self.fold_rule,
            "folds": [dict(fold) for fold in self.folds],
            "source": dict(self.source),
            "provenance": dict(self.provenance),
        }


def default_path(model_dir: str | Path) -> Path:
    """Where a trained model's export goes by default: inside its directory."""
    return Path(model_dir) / FILE_NAME


def check_output(path: str | Path) -> Path:
    """Refuse an output path that is a folder (or holds no file name) before any work is done.

    Raises:
        OutputError: `path` is an existing folder.
    """
    path = Path(path)
    check_replaceable(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name for this output")
    return path


def save(path: str | Path, model: ExportedModel, *, check: Callable[[Path], None] | None = None) -> Path:
    """Write `model` atomically to `path`: read back, then `check(tmp)` (e.g. evaluate it with the C++
    library), then renamed; on any failure nothing is left under `path`.

    Raises:
        ModelFormatError: a number is not finite, or the written file does not read back.
        OutputError: `path` is a folder, or the file cannot be written.
    """
    path = check_output(path)
    try:
        text = json.dumps(model.document(), allow_nan=False)
    except ValueError as exc:
        raise ModelFormatError(f"{path}: the model holds a number JSON cannot represent ({exc})") from exc

    def verify(tmp: Path) -> None:
        if tmp.read_text() != text:
            raise ModelFormatError(f"{path}: the written file does not read back as written")
        if check is not None:
            check(tmp)

    with atomic_output(path, verify=verify) as tmp:
        tmp.write_text(text)
    return path


def load(path: str | Path) -> ExportedModel:
    """Read and check a higgshunt-model file (top level and evaluator types; the C++ reader checks the rest).

    Raises:
        ModelFormatError: missing or unreadable file, another format or version, keys missing or of the wrong
            type, n_folds not the number of evaluators.
    """
    path = Path(path)
    document = read_json(path, ModelFormatError, _WHAT)
    check_version(path, document, key="version", version=VERSION, error=ModelFormatError, what=_WHAT)
    validate(document, "exported_model", path, ModelFormatError)
    folds: Sequence[Mapping[str, Any]] = document["folds"]
    if len(folds) != document["n_folds"]:
        raise ModelFormatError(
            f"{path}: n_folds is {document['n_folds']}, but the file holds {len(folds)} fold models"
        )
    width = len(document["features"])
    for index, fold in enumerate(folds):
        if fold["n_inputs"] != width:
            raise ModelFormatError(
                f"{path}: folds[{index}] takes {fold['n_inputs']} inputs, the file lists {width} features"
            )
    return ExportedModel(
        kind=document["kind"],
        score=document["score"],
        features=tuple(document["features"]),
        folds=tuple(folds),
        source=document["source"],
        provenance=document["provenance"],
    )
