"""`<fit>/spurious_signal.json`: the spurious-signal test of candidate background functions on a
background-only template (`higgshunt fit --spurious-signal`): per function the fitted signal yield and its
error at every mass hypothesis, the largest |S_spur| relative to its error and to the expected signal,
whether it passes, the function chosen (the simplest that passes) and its spurious signal; with inputs and
provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import check_version, read_json, validate, write_json
from higgshunt.errors import ArtifactError

FILE_NAME = "spurious_signal.json"
FORMAT_VERSION = 1
VERSION_KEY = "format_version"
_SCHEMA = "spurious_signal"
_WHAT = "a higgshunt spurious-signal test (spurious_signal.json)"


class SpuriousSignalError(ArtifactError):
    """spurious_signal.json is missing, unreadable, of another format version or not such a test."""


def save(directory: str | Path, document: dict[str, Any]) -> Path:
    """Write `directory`/spurious_signal.json atomically (checked against its schema first)."""
    target = Path(directory) / FILE_NAME
    document = {**document, VERSION_KEY: FORMAT_VERSION}
    validate(document, _SCHEMA, target, SpuriousSignalError)
    write_json(target, document)
    return target


def load(directory: str | Path) -> dict[str, Any]:
    source = Path(directory) / FILE_NAME
    document = read_json(source, SpuriousSignalError, _WHAT)
    check_version(
        source, document, key=VERSION_KEY, version=FORMAT_VERSION, error=SpuriousSignalError, what=_WHAT
    )
    validate(document, _SCHEMA, source, SpuriousSignalError)
    return dict(document)
