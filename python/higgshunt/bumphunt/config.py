"""Load a bump-hunt configuration: schema validation, defaults (from the schema), the channel's skim config,
semantic checks; the result is a typed, frozen `BumphuntConfig`."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt import configuration, resources, skim
from higgshunt.artifacts import trained_model
from higgshunt.errors import ConfigError
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)

SCHEMA = "bumphunt"
# Names written into every category directory beside the processes (see run.py); no process may use them.
RESERVED_NAMES = ("data", "data_background_only", "total_signal", "total_background")
AUTO_BACKGROUND = "auto"  # fit.background chosen per category by the spurious-signal test


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
class Optimisation:
    """How the score cut and categories are chosen (see the schema's `optimisation`)."""

    categories: int
    min_background: float
    min_effective_events: float
    choose_on: str
    background_efficiencies: tuple[float, ...] | None


@dataclass(frozen=True)
class ProcessGroup:
    """Samples drawn as one process."""

    name: str
    title: str
    samples: tuple[str, ...]


@dataclass(frozen=True)
class FitSettings:
    """The signal + background fit of every category (None: the fit's own default)."""

    enabled: bool
    signal: str
    background: str
    range: tuple[float, float] | None
    signal_mass: float | None
    width: float | None
    signal_shape_from_simulation: bool
    mass_window: float | None
    scan: tuple[float, float] | None = None
    toys: int = 100
    look_elsewhere: str = "toys"

    @property
    def auto_background(self) -> bool:
        """The background function is chosen per category by the spurious-signal test."""
        return self.background == AUTO_BACKGROUND


@dataclass(frozen=True)
class PseudoData:
    """Histogram-level pseudo-data (see the schema's `pseudo_data` and bumphunt/pseudo_data.py)."""

    seed: int
    inject_signal: bool


@dataclass(frozen=True)
class BumphuntConfig:
    """A validated bump-hunt configuration.

    Attributes:
        source: the file it was read from.
        raw: the configuration with defaults filled in, kept only to be hashed and recorded in provenance;
            read the typed attributes.
        hash: SHA-256 of `raw`.
        skim: the channel's skim config (luminosity overridden by `lumi_fb` when given).
        model: the trained-model directory for the ml selection, None for cut-based only.
        mass: the mass histogram's binning (edges as written in the config), of the skim feature
            `mass_feature`, with the axis title `mass_title`.
        window: the mass window where significances are counted.
        score: the binning of the score column `score_column`.
        processes: the configured process groups, in stacking order.
        output: the output directory.
        plots, seed, data_kind, blind: as in the schema.
        pseudo_data: draw the data histograms from the smooth simulated prediction; None: read the data
            sample.
    """

    source: str
    raw: dict[str, Any]
    hash: str
    skim: skim.SkimConfig
    model: Path | None
    mass: Binning
    mass_feature: str
    mass_title: str
    window: tuple[float, float]
    score: Binning
    score_column: str
    optimisation: Optimisation
    processes: tuple[ProcessGroup, ...]
    fit: FitSettings
    output: Path
    plots: bool
    seed: int
    data_kind: str
    blind: bool
    pseudo_data: PseudoData | None = None

    @property
    def channel(self) -> str:
        return self.skim.channel

    @property
    def lumi_fb(self) -> float | None:
        return self.skim.lumi_fb


def load(
    path: str | Path,
    *,
    model: str | Path | None = None,
    output: str | Path | None = None,
    blind: bool | None = None,
) -> BumphuntConfig:
    """Read and check a bump-hunt config; `model`, `output` and `blind` (command-line options) override the
    file's."""
    raw = configuration.load(path, SCHEMA)
    return build(raw, source=str(path), model=model, output=output, blind=blind)


def build(
    raw: dict[str, Any],
    *,
    source: str = "<config>",
    model: str | Path | None = None,
    output: str | Path | None = None,
    blind: bool | None = None,
) -> BumphuntConfig:
    """Validate an in-memory config (as `load` does for a file); relative skim paths are taken from `source`'s
    folder (the working directory for in-memory configs)."""
    configuration.validate(raw, SCHEMA, source=source)
    filled = _with_defaults(raw)
    if model is not None:
        filled["model"] = str(model)
    if output is not None:
        filled["output"] = str(output)
    if blind is not None:
        filled["blind"] = blind
    skim_config = _load_skim(filled, source)
    filled["skim"] = skim_config.source
    _check(filled, skim_config, source)
    model_dir = Path(filled["model"]) if filled.get("model") else None
    if model_dir is not None and not trained_model.path(model_dir).is_file():
        raise ConfigError(
            f"{source}: model: {model_dir} is not a trained-model directory (no {trained_model.FILE_NAME})"
        )
    return _typed(filled, source, skim_config, model_dir)


def _typed(
    filled: dict[str, Any], source: str, skim_config: skim.SkimConfig, model: Path | None
) -> BumphuntConfig:
    mass, score, fit = filled["mass"], filled["score"], filled["fit"]
    fit_range = fit.get("range")
    return BumphuntConfig(
        source=source,
        raw=filled,
        hash=config_hash(filled),
        skim=skim_config,
        model=model,
        mass=_binning(mass),
        mass_feature=str(mass["feature"]),
        mass_title=str(mass["title"]),
        window=(float(filled["window"][0]), float(filled["window"][1])),
        score=_binning(score),
        score_column=str(score["column"]),
        optimisation=_optimisation(filled["optimisation"]),
        processes=tuple(
            ProcessGroup(entry["name"], entry.get("title", entry["name"]), tuple(entry["samples"]))
            for entry in filled["processes"]
        ),
        fit=FitSettings(
            enabled=bool(fit["enabled"]),
            signal=str(fit["signal"]),
            background=str(fit["background"]),
            range=None if fit_range is None else (float(fit_range[0]), float(fit_range[1])),
            signal_mass=fit.get("signal_mass"),
            width=fit.get("width"),
            signal_shape_from_simulation=bool(fit["signal_shape_from_simulation"]),
            mass_window=fit.get("mass_window"),
            scan=None if fit.get("scan") is None else (float(fit["scan"][0]), float(fit["scan"][1])),
            toys=int(fit["toys"]),
            look_elsewhere=str(fit["look_elsewhere"]),
        ),
        output=Path(filled["output"]),
        plots=bool(filled["plots"]),
        seed=int(filled["seed"]),
        data_kind=str(filled["data_kind"]),
        blind=bool(filled["blind"]),
        pseudo_data=None
        if "pseudo_data" not in filled
        else PseudoData(int(filled["pseudo_data"]["seed"]), bool(filled["pseudo_data"]["inject_signal"])),
    )


def _optimisation(block: dict[str, Any]) -> Optimisation:
    efficiencies = block.get("background_efficiencies")
    return Optimisation(
        categories=int(block["categories"]),
        min_background=float(block["min_background"]),
        min_effective_events=float(block["min_effective_events"]),
        choose_on=str(block["choose_on"]),
        background_efficiencies=None if efficiencies is None else tuple(float(e) for e in efficiencies),
    )


def _binning(block: dict[str, Any]) -> Binning:
    """The binning of a `mass` or `score` block; edges keep the numbers as written (80 stays 80 in the
    summary), which the arithmetic treats as floats."""
    return Binning(int(block["bins"]), block["low"], block["high"])


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema's defaults, then the mass axis title derived from the mass feature."""
    filled = configuration.with_defaults(raw, SCHEMA)
    mass = filled["mass"]
    filled["mass"] = {**mass, "title": mass.get("title", f"{mass['feature']} [GeV]")}
    return filled


def _load_skim(raw: dict[str, Any], source: str) -> skim.SkimConfig:
    path = resources.relative_to_file(raw["skim"], source)
    if not path.is_file():
        raise ConfigError(f"{source}: skim: no skim config {path}")
    return skim.load(path, lumi_fb=None if "lumi_fb" not in raw else float(raw["lumi_fb"]))


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
    if "pseudo_data" in raw and raw["data_kind"] not in ("auto", "pseudo_data"):
        raise ConfigError(
            f"{source}: data_kind: '{raw['data_kind']}' but pseudo_data draws the data "
            "(use auto or pseudo_data)"
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
