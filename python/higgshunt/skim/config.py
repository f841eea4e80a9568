"""Load a skim configuration: schema validation, defaults (from the schema), then checks the schema cannot
express; the result is a typed, frozen `SkimConfig`."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from higgshunt import configuration, resources
from higgshunt.artifacts.skim_table import RESERVED_COLUMNS
from higgshunt.errors import ConfigError
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)

SCHEMA = "skim"
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
class Weights:
    """Branches making up the simulated event weight."""

    mc: str
    scale_factors: tuple[str, ...]
    xsec: str
    sum_weights: str


@dataclass(frozen=True)
class Cut:
    """A named filter."""

    name: str
    expression: str


@dataclass(frozen=True)
class Histogram:
    """A weighted histogram of an exported feature."""

    name: str
    feature: str
    title: str
    bins: int
    low: float
    high: float


@dataclass(frozen=True)
class Compression:
    """HDF5 compression of the exported table."""

    library: str
    level: int


@dataclass(frozen=True)
class Snapshot:
    """The optional ROOT Snapshot of the selected events."""

    enabled: bool
    algorithm: str
    level: int


@dataclass(frozen=True)
class SkimConfig:
    """A validated skim configuration with defaults filled in.

    Attributes:
        source: the file it was read from.
        raw: the configuration as a plain dict (defaults filled), kept only to be hashed and recorded in
            provenance; read the typed attributes.
        hash: SHA-256 of `raw`.
        selection_hash: SHA-256 of `raw` without its `samples` (what a sample's skim depends on).
        features: the exported feature columns in order, vector features expanded.
        skim: the built-in skim whose samples are run when the config lists none, None if not given.
        manifest: the sample manifest (relative paths resolved, see `load`).
        samples: the configured sample entries as written (name, kind, files, overrides), in order.
        definitions: new columns, name -> C++ expression, in order.
    """

    source: str
    raw: dict[str, Any]
    hash: str
    selection_hash: str
    channel: str
    tree: str
    folds: int
    lumi_fb: float | None
    skim: str | None
    manifest: Path
    samples: tuple[Mapping[str, Any], ...]
    declarations: str | None
    definitions: Mapping[str, str]
    cuts: tuple[Cut, ...]
    features: tuple[Feature, ...]
    weights: Weights
    histograms: tuple[Histogram, ...]
    compression: Compression
    snapshot: Snapshot

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def manifest_path(self) -> Path:
        """The sample manifest (the `manifest` attribute)."""
        return self.manifest


def load(path: str | Path, *, lumi_fb: float | None = None) -> SkimConfig:
    """Read, validate and check a skim config; raise ConfigError naming the file and key on any problem.

    A relative `manifest` (the built-in one by default) is found under the data root
    (`resources.builtin_data`). `lumi_fb` overrides the file's.
    """
    raw = configuration.load(path, SCHEMA)
    if lumi_fb is not None:
        raw["lumi_fb"] = lumi_fb
    return build(raw, source=str(path))


def build(raw: dict[str, Any], *, source: str = "<config>") -> SkimConfig:
    """Validate an in-memory config dict (as `load` does for a file) and return the SkimConfig."""
    configuration.validate(raw, SCHEMA, source=source)
    filled = _with_defaults(raw)
    features = tuple(_expand_features(filled["features"], source))
    _check(filled, features, source)
    output = filled["output"]
    return SkimConfig(
        source=source,
        raw=filled,
        hash=config_hash(filled),
        selection_hash=config_hash({k: v for k, v in filled.items() if k != "samples"}),
        channel=str(filled["channel"]),
        tree=str(filled["tree"]),
        folds=int(filled["folds"]),
        lumi_fb=None if filled.get("lumi_fb") is None else float(filled["lumi_fb"]),
        skim=filled.get("skim"),
        manifest=resources.builtin_data(filled["manifest"]),
        samples=tuple(MappingProxyType(entry) for entry in copy.deepcopy(filled.get("samples", []))),
        declarations=filled.get("declarations"),
        definitions=MappingProxyType(dict(filled["definitions"])),
        cuts=tuple(Cut(cut["name"], cut["expression"]) for cut in filled["cuts"]),
        features=features,
        weights=Weights(**{**filled["weights"], "scale_factors": tuple(filled["weights"]["scale_factors"])}),
        histograms=tuple(
            Histogram(h["name"], h["feature"], h["title"], int(h["bins"]), float(h["low"]), float(h["high"]))
            for h in filled["histograms"]
        ),
        compression=Compression(str(output["compression"]["library"]), int(output["compression"]["level"])),
        snapshot=Snapshot(**output["snapshot"]),
    )


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema's defaults, then the histogram defaults derived from each histogram's feature."""
    filled = configuration.with_defaults(raw, SCHEMA)
    filled["histograms"] = [
        {
            **hist,
            "name": hist.get("name", hist["feature"]),
            "title": hist.get("title", f"{hist['feature']};{hist['feature']};events"),
        }
        for hist in filled["histograms"]
    ]
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
                f"{where}.feature: '{hist['feature']}' is not an exported feature"
                f"{configuration.did_you_mean(hist['feature'], names)}; known: {known}"
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
