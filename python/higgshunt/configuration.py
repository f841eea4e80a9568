"""Load YAML configs and validate them against the JSON schemas shipped in `higgshunt/schemas/`."""

from __future__ import annotations

import copy
import difflib
import json
import math
from collections.abc import Iterable, Mapping
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
    _refuse_non_finite(config, str(path), [])
    validate(config, schema_name, source=str(path))
    return config


def _refuse_non_finite(value: Any, source: str, where: list[str | int]) -> None:
    """YAML's .nan and .inf pass a schema's "number": no config value of higgshunt means them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: {_key_path(where) or 'top level'}: {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(item, source, [*where, key])
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _refuse_non_finite(item, source, [*where, position])


def validate(
    config: dict[str, Any],
    schema_name: str,
    *,
    source: str = "<config>",
    options: Mapping[str, str] | None = None,
) -> None:
    """Validate `config` against the named schema; raise ConfigError for the first (most relevant) problem.

    `options` maps key paths set from the command line (e.g. "training.epochs") to the options that set them
    ("--epochs"): a problem there is reported under the option's name rather than the config's.
    """
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return
    where = _key_path(error.absolute_path)
    for key, option in (options or {}).items():
        if where == key or where.startswith((f"{key}.", f"{key}[")):
            raise ConfigError(f"{option}: {_message(error)}")
    raise ConfigError(f"{source}: {_describe(error)}")


def validate_options(options: dict[str, Any], schema_name: str) -> None:
    """Validate command-line options (a dict keyed like the schema, None = not given) against the named
    schema; the one-line ConfigError names the option as typed, e.g. `--signal-mass`."""
    given = {key: value for key, value in options.items() if value is not None}
    names = {key: "--" + key.replace("_", "-") for key in given}
    validate(given, schema_name, source="options", options=names)


def with_defaults(config: dict[str, Any], schema_name: str) -> dict[str, Any]:
    """A copy of `config` with every missing key that has a `default` in the named schema filled in.

    The schema is the one source of defaults. Nested objects and the objects inside arrays (e.g. every entry
    of a list of histograms) are filled too; a block whose default is `{}` is created and then filled from its
    own properties' defaults. Keys without a `default` stay absent.
    """
    root = schema(schema_name)
    filled: dict[str, Any] = _fill(copy.deepcopy(config), root, root)
    return filled


def _fill(value: Any, node: dict[str, Any], root: dict[str, Any]) -> Any:
    node = _resolve(node, root)
    if isinstance(value, dict):
        for key, child in node.get("properties", {}).items():
            child = _resolve(child, root)
            if key not in value and "default" in child:
                value[key] = copy.deepcopy(child["default"])
            if key in value:
                value[key] = _fill(value[key], child, root)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_fill(item, node["items"], root) for item in value]
    return value


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` ("#/$defs/name") to the schema it names."""
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" with the closest of `known` to a mistyped `name`, or "" when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        hints = []
        for key in unknown:
            hints.append(f"'{key}'{did_you_mean(str(key), allowed)}")
        prefix = f"{where}: " if where else ""
        return f"{prefix}unknown key {', '.join(hints)}; allowed keys: {', '.join(allowed)}"
    return f"{where or 'top level'}: {_message(error)}"


def _message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, in the project's words where its own are clumsy."""
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(str(v) for v in error.validator_value)}"
    if error.validator == "exclusiveMinimum" and error.validator_value == 0:
        return f"{error.instance!r} must be positive"
    return _one_line(error.message)


def _key_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())
