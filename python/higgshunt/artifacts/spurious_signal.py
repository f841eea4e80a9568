"""`<fit>/spurious_signal.json`: the spurious-signal test of candidate background functions on a
background-only template (`higgshunt fit --spurious-signal`): per function the fitted signal yield and its
error at every mass hypothesis, the largest |S_spur| relative to its error and to the expected signal,
whether it passes, the function chosen (the simplest that passes) and its spurious signal; with inputs and
provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import load_versioned, save_versioned
from higgshunt.errors import ArtifactError

FILE_NAME = "spurious_signal.json"
FORMAT_VERSION = 1
_SCHEMA = "spurious_signal"
_WHAT = "a higgshunt spurious-signal test (spurious_signal.json)"


class SpuriousSignalError(ArtifactError):
    """spurious_signal.json is missing, unreadable, of another format version or not such a test."""


def save(directory: str | Path, document: dict[str, Any]) -> Path:
    """Write `directory`/spurious_signal.json atomically (checked against its schema first)."""
    target = Path(directory) / FILE_NAME
    return save_versioned(target, document, version=FORMAT_VERSION, schema=_SCHEMA, error=SpuriousSignalError)


def load(directory: str | Path) -> dict[str, Any]:
    source = Path(directory) / FILE_NAME
    return load_versioned(
        source, version=FORMAT_VERSION, schema=_SCHEMA, error=SpuriousSignalError, what=_WHAT
    )
