"""Load a skim configuration: schema validation, defaults, then checks the schema cannot express."""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt import configuration
from higgshunt.artifacts.skim_table import RESERVED_COLUMNS
from higgshunt.errors import ConfigError
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)

SCHEMA = "skim"
REPO_ROOT = Path(__file__).resolve().parents[3]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Feature:
    """One exported column (after expansion of vector/matrix features)."""

    name: str
    source: str  # the column holding the expression's value (the feature itself for scalars)
    expression: str  # C++ expression in the input's units
    index: int | None  # element of the source vector, None for scalars
    to_gev: bool


@dataclass(frozen=True)
class SkimConfig:
    """A validated skim configuration with defaults filled in.

    Attributes:
        source: the file it was read from.
        raw: the configuration as a plain dict (defaults filled), recorded in provenance and hashed.
        hash: SHA-256 of `raw`.
        features: the exported feature columns in order, vector features expanded.
    """

    source: str
    raw: dict[str, Any]
    hash: str
    features: tuple[Feature, ...] = field(default=())

    @property
    def channel(self) -> str:
        return str(self.raw["channel"])

    @property
    def tree(self) -> str:
        return str(self.raw["tree"])

    @property
    def folds(self) -> int:
        return int(self.raw["folds"])

    @property
    def lumi_fb(self) -> float | None:
        value = self.raw.get("lumi_fb")
        return None if value is None else float(value)

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def manifest_path(self) -> Path:
        path = Path(self.raw["manifest"])
        return path if path.is_absolute() else REPO_ROOT / path


def load(path: str | Path) -> SkimConfig:
    """Read, validate and check a skim config; raise ConfigError naming the file and key on any problem."""
    raw = configuration.load(path, SCHEMA)
    return build(raw, source=str(path))


def build(raw: dict[str, Any], *, source: str = "<config>") -> SkimConfig:
    """Validate an in-memory config dict (as `load` does for a file) and return the SkimConfig."""
    configuration.validate(raw, SCHEMA, source=source)
    filled = _with_defaults(raw)
    features = tuple(_expand_features(filled["features"], source))
    _check(filled, features, source)
    return SkimConfig(source=source, raw=filled, hash=config_hash(filled), features=features)


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    filled = copy.deepcopy(raw)
    filled.setdefault("tree", "mini")
    filled.setdefault("manifest", "data/generated/samples.json")
    filled.setdefault("folds", 3)
    weights = filled.setdefault("weights", {})
    weights.setdefault("mc", "mcWeight")
    weights.setdefault("scale_factors", [])
    weights.setdefault("xsec", "XSection")
    weights.setdefault("sum_weights", "SumWeights")
    filled.setdefault("histograms", [])
    for hist in filled["histograms"]:
        hist.setdefault("name", hist["feature"])
        hist.setdefault("title", f"{hist['feature']};{hist['feature']};events")
    output = filled.setdefault("output", {})
    compression = output.setdefault("compression", {})
    compression.setdefault("library", "blosc")
    compression.setdefault("level", 5)
    snapshot = output.setdefault("snapshot", {})
    snapshot.setdefault("enabled", False)
    snapshot.setdefault("algorithm", "lz4")
    snapshot.setdefault("level", 4)
    for feature in filled["features"]:
        feature.setdefault("unit", "1")
    return filled


def _expand_features(entries: list[dict[str, Any]], source: str) -> list[Feature]:
    features: list[Feature] = []
    for position, entry in enumerate(entries):
        where = f"{source}: features[{position}]"
        name, expression, to_gev = entry["name"], entry["expression"], entry["unit"] == "MeV"
        if "size" in entry and "shape" in entry:
            raise ConfigError(f"{where}: give either 'size' or 'shape', not both")
        if "size" in entry:
            if "{i}" not in name:
                raise ConfigError(
                    f"{where}.name: '{name}' needs the placeholder {{i}} because 'size' is given"
                )
            source_column = f"_vec_{len(features)}"
            features += [
                Feature(name.format(i=i + 1), source_column, expression, i, to_gev)
                for i in range(entry["size"])
            ]
        elif "shape" in entry:
            if "{i}" not in name or "{j}" not in name:
                raise ConfigError(
                    f"{where}.name: '{name}' needs the placeholders {{i}} and {{j}} for 'shape'"
                )
            rows, cols = entry["shape"]
            source_column = f"_vec_{len(features)}"
            features += [
                Feature(name.format(i=i, j=j), source_column, expression, i * cols + j, to_gev)
                for i in range(rows)
                for j in range(cols)
            ]
        else:
            features.append(Feature(name, name, expression, None, to_gev))
    return features


def _check(raw: dict[str, Any], features: tuple[Feature, ...], source: str) -> None:
    names = [feature.name for feature in features]
    for name in names:
        if not _IDENTIFIER.match(name):
            raise ConfigError(f"{source}: features: column name '{name}' is not an identifier")
    _unique(names, f"{source}: features", "feature column names")
    clash = sorted(set(names) & set(RESERVED_COLUMNS))
    if clash:
        raise ConfigError(f"{source}: features: {clash} are reserved columns of every table; rename them")
    clash = sorted(set(names) & set(raw["definitions"]))
    if clash:
        raise ConfigError(f"{source}: features: {clash} are also definitions; a feature needs its own name")
    _unique([cut["name"] for cut in raw["cuts"]], f"{source}: cuts", "cut names")
    if "samples" in raw:
        _unique([sample["name"] for sample in raw["samples"]], f"{source}: samples", "sample names")
    for position, hist in enumerate(raw["histograms"]):
        where = f"{source}: histograms[{position}]"
        if hist["feature"] not in names:
            known = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
            raise ConfigError(
                f"{where}.feature: '{hist['feature']}' is not an exported feature; known: {known}"
            )
        if not hist["low"] < hist["high"]:
            raise ConfigError(f"{where}: low ({hist['low']}) must be below high ({hist['high']})")
    _unique([hist["name"] for hist in raw["histograms"]], f"{source}: histograms", "histogram names")
    if "samples" not in raw and "skim" not in raw:
        log.debug("%s names neither samples nor a skim: inputs must come from --input", source)


def _unique(values: list[str], where: str, what: str) -> None:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ConfigError(f"{where}: all {what} must be unique; repeated: {duplicates}")
