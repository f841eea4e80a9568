"""Load YAML configs and validate them against the JSON schemas shipped in `higgshunt/schemas/`."""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from higgshunt.errors import ConfigError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON schema `schemas/<name>.json`."""
    path = SCHEMA_DIR / f"{name}.json"
    with path.open() as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def load(path: str | Path, schema_name: str) -> dict[str, Any]:
    """Read a YAML file and validate it; errors name the file and the key path."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from exc
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({_one_line(str(exc))})") from exc
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(config).__name__}")
    validate(config, schema_name, source=str(path))
    return config


def validate(config: dict[str, Any], schema_name: str, *, source: str = "<config>") -> None:
    """Validate `config` against the named schema; raise ConfigError for the first (most relevant) problem."""
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(f"{source}: {_describe(error)}")


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        prefix = f"{where}: " if where else ""
        return f"{prefix}unknown key {', '.join(hints)}; allowed keys: {', '.join(allowed)}"
    return f"{where or 'top level'}: {_one_line(error.message)}"


def _key_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())
