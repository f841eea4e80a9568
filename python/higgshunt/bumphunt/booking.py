"""The bump hunt's histograms: booked on the skim's selection, projected into categories (written by
`higgshunt.artifacts.category_histograms` for the fits and plot_stack).

Per sample two results are booked on the node after the skim's cuts: the mass (cut-based selection) and,
with a model, the mass against the score. Every score selection is a projection of the latter onto the mass
axis, so one event loop serves any cut, and the cut can be chosen after the loop from the simulated samples
alone. Simulated samples also book the mass against the score separately for events of even and odd
`eventNumber` (`mass_score_halves`): the cut is chosen on one half and its significance measured on the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from higgshunt import skim
from higgshunt.artifacts.trained_model import TrainedModel
from higgshunt.bumphunt.config import BumphuntConfig
from higgshunt.bumphunt.selection import Category, Selection
from higgshunt.errors import InputError
from higgshunt.eventloop.samples import Sample
from higgshunt.inference import define_score

log = logging.getLogger(__name__)

CUT_BASED = "cutbased"
ML = "ml"
HALVES = ("even", "odd")  # simulated events by eventNumber parity


@dataclass
class Booked:
    """One sample's lazily booked histograms (RResultPtr; read them after the event loop)."""

    sample: Sample
    mass: Any
    mass_score: Any | None
    mass_score_halves: tuple[Any, Any] | None = None


@dataclass(frozen=True)
class Process:
    """Samples drawn as one histogram: `kind` is signal or background."""

    name: str
    title: str
    kind: str
    samples: tuple[str, ...]


def book(df: Any, config: BumphuntConfig, sample: Sample, model: TrainedModel | None) -> Booked:
    """Book the mass histogram (and, with `model`, the config's, mass vs score) of `sample` on the dataframe
    `df`."""
    import ROOT

    node, _ = skim.select(df, config.skim, sample)  # exactly the skim's selection, without its outputs
    mass, feature = config.mass, config.mass_feature
    mass_model = ROOT.RDF.TH1DModel(
        f"{sample.name}_mass", f";{config.mass_title};", mass.bins, mass.low, mass.high
    )
    mass_hist = node.Histo1D(mass_model, feature, skim.WEIGHT)
    if model is None:
        return Booked(sample, mass_hist, None)
    score = config.score
    # computed inputs (e.g. m34 / m4l) are defined from the expressions they were trained with
    node = define_score(node, model, config.score_column, feature_columns=model.derived)

    def mass_score(selected: Any, suffix: str) -> Any:
        model_2d = ROOT.RDF.TH2DModel(
            f"{sample.name}_mass_score{suffix}",
            f";{config.mass_title};{config.score_column}",
            mass.bins,
            mass.low,
            mass.high,
            score.bins,
            score.low,
            score.high,
        )
        return selected.Histo2D(model_2d, feature, config.score_column, skim.WEIGHT)

    halves = None
    if not sample.is_data:
        halves = tuple(
            mass_score(
                node.Filter(f"eventNumber % 2 == {parity}", f"{HALVES[parity]} eventNumber"),
                f"_{HALVES[parity]}",
            )
            for parity in (0, 1)
        )
    return Booked(sample, mass_hist, mass_score(node, ""), halves)


def processes(config: BumphuntConfig, samples: list[Sample]) -> list[Process]:
    """The configured process groups, then every simulated sample in no group as a process of its own."""
    by_name = {sample.name: sample for sample in samples}
    result: list[Process] = []
    for position, group in enumerate(config.processes):
        where = f"{config.source}: processes[{position}] ({group.name})"
        missing = [name for name in group.samples if name not in by_name]
        if missing:
            raise InputError(f"{where}: no sample(s) {missing} in this run; samples: {sorted(by_name)}")
        kinds = {by_name[name].kind for name in group.samples}
        if len(kinds) != 1 or "data" in kinds:
            raise InputError(f"{where}: samples must all be signal or all background, got {sorted(kinds)}")
        result.append(Process(group.name, group.title, kinds.pop(), group.samples))
    grouped = {name for process in result for name in process.samples}
    for sample in samples:
        if not sample.is_data and sample.name not in grouped:
            result.append(Process(sample.name, sample.name, sample.kind, (sample.name,)))
    return result


def named(name: str, choice: Selection) -> list[tuple[str, Category]]:
    """Directory names of a selection's categories: `ml` for the single cut, else `ml_cat1`, `ml_cat2`...
    in ascending score."""
    if len(choice.categories) == 1 and name == ML:
        return [(name, choice.categories[0])]
    return [(f"{name}{position}", category) for position, category in enumerate(choice.categories, start=1)]


def as_array(hist: Any) -> np.ndarray:
    """Bin contents with under- and overflow: shape (nx + 2,) or (nx + 2, ny + 2), index = ROOT bin number."""
    nx = hist.GetNbinsX() + 2
    if hist.GetDimension() == 1:
        return np.array([hist.GetBinContent(i) for i in range(nx)], dtype=np.float64)
    ny = hist.GetNbinsY() + 2
    return np.array([[hist.GetBinContent(i, j) for j in range(ny)] for i in range(nx)], dtype=np.float64)


def as_sumw2(hist: Any) -> np.ndarray:
    """The sums of squared weights, laid out as `as_array` (ROOT keeps them when Sumw2 is on, as in
    RDataFrame's weighted histograms); the bin contents themselves when it is off (unit weights)."""
    if hist.GetSumw2N() == 0:
        return as_array(hist)
    values = np.array(hist.GetSumw2(), dtype=np.float64)
    nx = hist.GetNbinsX() + 2
    if hist.GetDimension() == 1:
        return values
    return values.reshape(hist.GetNbinsY() + 2, nx).T  # ROOT's global bin = i + nx * j


def project(hist2d: Any, name: str, first_bin: int, last_bin: int) -> Any:
    """The mass histogram of score bins [first_bin, last_bin] (ROOT numbering, flows included), with Sumw2."""
    import ROOT

    projection = hist2d.ProjectionX(name, first_bin, last_bin, "e")
    projection.SetDirectory(ROOT.nullptr)
    return projection


def add(histograms: list[Any], name: str, title: str) -> Any:
    """The sum of histograms of equal binning, as a new detached TH1D with Sumw2."""
    import ROOT

    total = histograms[0].Clone(name)
    total.SetDirectory(ROOT.nullptr)
    if total.GetSumw2N() == 0:
        total.Sumw2(True)
    for hist in histograms[1:]:
        total.Add(hist)
    total.SetTitle(title)
    return total
