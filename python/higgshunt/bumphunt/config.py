"""Load a bump-hunt configuration: schema validation, defaults, the channel's skim config, semantic checks."""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt import configuration, skim
from higgshunt.errors import ConfigError
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)

SCHEMA = "bumphunt"
# Names written into every category directory beside the processes (see run.py); no process may use them.
RESERVED_NAMES = ("data", "total_signal", "total_background")


@dataclass(frozen=True)
class Binning:
    """A regular binning: `bins` bins from `low` to `high`."""

    bins: int
    low: float
    high: float

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.bins

    def edge_index(self, value: float) -> int | None:
        """The index of the bin edge equal to `value` (within rounding), None if `value` is not an edge."""
        position = (value - self.low) / self.width
        index = round(position)
        return index if 0 <= index <= self.bins and math.isclose(position, index, abs_tol=1e-6) else None


@dataclass(frozen=True)
class BumphuntConfig:
    """A validated bump-hunt configuration.

    Attributes:
        source: the file it was read from.
        raw: the configuration with defaults filled in (recorded in provenance and hashed).
        hash: SHA-256 of `raw`.
        skim: the channel's skim config (luminosity overridden by `lumi_fb` when given).
        model: the trained-model directory for the ml selection, None for cut-based only.
    """

    source: str
    raw: dict[str, Any]
    hash: str
    skim: skim.SkimConfig
    model: Path | None

    @property
    def channel(self) -> str:
        return self.skim.channel

    @property
    def lumi_fb(self) -> float | None:
        return self.skim.lumi_fb

    @property
    def mass(self) -> Binning:
        mass = self.raw["mass"]
        return Binning(int(mass["bins"]), float(mass["low"]), float(mass["high"]))

    @property
    def mass_feature(self) -> str:
        return str(self.raw["mass"]["feature"])

    @property
    def mass_title(self) -> str:
        return str(self.raw["mass"]["title"])

    @property
    def window(self) -> tuple[float, float]:
        low, high = self.raw["window"]
        return float(low), float(high)

    @property
    def score(self) -> Binning:
        score = self.raw["score"]
        return Binning(int(score["bins"]), float(score["low"]), float(score["high"]))

    @property
    def score_column(self) -> str:
        return str(self.raw["score"]["column"])

    @property
    def output(self) -> Path:
        return Path(self.raw["output"])


def load(
    path: str | Path, *, model: str | Path | None = None, output: str | Path | None = None
) -> BumphuntConfig:
    """Read and check a bump-hunt config; `model` and `output` (command-line options) override the file's."""
    raw = configuration.load(path, SCHEMA)
    return build(raw, source=str(path), model=model, output=output)


def build(
    raw: dict[str, Any],
    *,
    source: str = "<config>",
    model: str | Path | None = None,
    output: str | Path | None = None,
) -> BumphuntConfig:
    """Validate an in-memory config (as `load` does for a file); relative skim paths are taken from `source`'s
    folder (the working directory for in-memory configs)."""
    configuration.validate(raw, SCHEMA, source=source)
    filled = _with_defaults(raw)
    if model is not None:
        filled["model"] = str(model)
    if output is not None:
        filled["output"] = str(output)
    skim_config = _load_skim(filled, source)
    filled["skim"] = skim_config.source
    _check(filled, skim_config, source)
    model_dir = Path(filled["model"]) if filled.get("model") else None
    if model_dir is not None and not (model_dir / "manifest.json").is_file():
        raise ConfigError(f"{source}: model: {model_dir} is not a trained-model directory (no manifest.json)")
    return BumphuntConfig(source, filled, config_hash(filled), skim_config, model_dir)


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    filled = copy.deepcopy(raw)
    filled["mass"].setdefault("title", f"{filled['mass']['feature']} [GeV]")
    score = filled.setdefault("score", {})
    score.setdefault("column", "score")
    score.setdefault("bins", 200)
    score.setdefault("low", 0.0)
    score.setdefault("high", 1.0)
    optimisation = filled.setdefault("optimisation", {})
    optimisation.setdefault("categories", 1)
    optimisation.setdefault("min_background", 1.0)
    filled.setdefault("processes", [])
    fit = filled.setdefault("fit", {})
    fit.setdefault("enabled", True)
    fit.setdefault("signal", "gauss")
    fit.setdefault("background", "exp")
    fit.setdefault("signal_shape_from_simulation", True)
    filled.setdefault("output", "outputs/bumphunt")
    filled.setdefault("plots", True)
    filled.setdefault("seed", 0)
    filled.setdefault("data_kind", "auto")
    return filled


def _load_skim(raw: dict[str, Any], source: str) -> skim.SkimConfig:
    path = Path(raw["skim"])
    if not path.is_absolute() and source != "<config>":
        path = Path(source).resolve().parent / path
    if not path.is_file():
        raise ConfigError(f"{source}: skim: no skim config {path}")
    skim_config = skim.load(path)
    if "lumi_fb" not in raw:
        return skim_config
    skim_raw = {**skim_config.raw, "lumi_fb": float(raw["lumi_fb"])}
    return skim.config.build(skim_raw, source=str(path))


def _check(raw: dict[str, Any], skim_config: skim.SkimConfig, source: str) -> None:
    mass = raw["mass"]
    features = skim_config.feature_names
    if mass["feature"] not in features:
        raise ConfigError(
            f"{source}: mass.feature: '{mass['feature']}' is not a feature of {skim_config.source}; "
            f"known: {', '.join(features)}"
        )
    binning = Binning(int(mass["bins"]), float(mass["low"]), float(mass["high"]))
    if not binning.low < binning.high:
        raise ConfigError(f"{source}: mass: low ({binning.low}) must be below high ({binning.high})")
    low, high = raw["window"]
    if not binning.low <= low < high <= binning.high:
        raise ConfigError(
            f"{source}: window: [{low}, {high}] must be increasing and inside the mass range "
            f"[{binning.low}, {binning.high}]"
        )
    for value in (low, high):
        if binning.edge_index(float(value)) is None:
            raise ConfigError(
                f"{source}: window: {value} is not a bin edge of the mass histogram "
                f"({binning.bins} bins of {binning.width:g} GeV from {binning.low:g})"
            )
    score = raw["score"]
    if not score["low"] < score["high"]:
        raise ConfigError(f"{source}: score: low ({score['low']}) must be below high ({score['high']})")
    if score["column"] in features:
        raise ConfigError(f"{source}: score.column: '{score['column']}' is already a feature of the skim")
    fit_range = raw["fit"].get("range")
    if fit_range is not None and not binning.low <= fit_range[0] < fit_range[1] <= binning.high:
        raise ConfigError(
            f"{source}: fit.range: {fit_range} must be increasing and inside [{binning.low}, {binning.high}]"
        )
    names = [process["name"] for process in raw["processes"]]
    members = [sample for process in raw["processes"] for sample in process["samples"]]
    for what, values in (("process names", names), ("samples of processes", members)):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ConfigError(f"{source}: processes: all {what} must be unique; repeated: {repeated}")
    clash = sorted(set(names) & set(RESERVED_NAMES))
    if clash:
        raise ConfigError(f"{source}: processes: {clash} are reserved names ({', '.join(RESERVED_NAMES)})")
