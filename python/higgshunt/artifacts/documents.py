"""What every JSON hand-off file shares: read with a clear error, check the format version, validate against
the schema shipped in `higgshunt/schemas/artifacts/`, write atomically and read back before the rename."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from higgshunt import configuration
from higgshunt.errors import ArtifactError, ConfigError
from higgshunt.outputs import atomic_output


def read_json(path: Path, error: type[ArtifactError], what: str) -> Any:
    """The parsed JSON file at `path`; `error` naming the file and `what` it should be otherwise."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise error(f"{path}: no such file (expected {what})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what} ({exc})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error(f"{path}: not {what}: not valid JSON ({exc}); remove it or rerun with --force") from exc


def check_version(
    path: Path,
    document: Any,
    *,
    key: str,
    version: int | str,
    error: type[ArtifactError],
    what: str,
) -> None:
    """Refuse a document whose `key` is not `version`, naming the file and both versions."""
    if not isinstance(document, dict):
        raise error(f"{path}: not {what} (expected a JSON object, found {type(document).__name__})")
    found = document.get(key)
    if found != version:
        raise error(
            f"{path}: {what} of format version {found!r}, this higgshunt reads version {version}; "
            "rewrite it with this version's command"
        )


def validate(document: Any, schema: str, path: Path, error: type[ArtifactError]) -> None:
    """Validate against `schemas/artifacts/<schema>.json`, turning a schema error into `error`."""
    try:
        configuration.validate(document, f"artifacts/{schema}", source=str(path))
    except ConfigError as exc:
        raise error(str(exc)) from None


def write_json(path: Path, document: Any, *, indent: int | None = 2) -> None:
    """Write `document` atomically (sorted keys, so equal content gives equal files; NaN refused)."""
    text = json.dumps(finite(document), indent=indent, sort_keys=True, default=str, allow_nan=False) + "\n"

    def verify(tmp: Path) -> None:
        if tmp.read_text() != text:
            raise ArtifactError(f"{path}: the written file does not read back as written")

    with atomic_output(path, verify=verify) as tmp:
        tmp.write_text(text)


def finite(value: Any) -> Any:
    """NaN and infinities become None (JSON has no such numbers; null says 'not defined')."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def save_versioned(
    path: Path, document: dict[str, Any], *, version: int, schema: str, error: type[ArtifactError]
) -> Path:
    """Write `document` with its `format_version`, checked against `schemas/artifacts/<schema>.json` first."""
    document = {**document, "format_version": version}
    validate(document, schema, path, error)
    write_json(path, document)
    return path


def load_versioned(
    path: Path, *, version: int, schema: str, error: type[ArtifactError], what: str
) -> dict[str, Any]:
    """The JSON document at `path`, of format version `version` and valid against its schema."""
    document = read_json(path, error, what)
    check_version(path, document, key="format_version", version=version, error=error, what=what)
    validate(document, schema, path, error)
    return dict(document)
