"""Build one sample's RDataFrame graph from the channel config: weights, definitions, named cuts, features.

Nothing runs here: every result (cutflow, table, histograms, snapshot) is booked lazily so that all samples'
event loops run together afterwards. The per-event mathematics is the compiled C++ of libhiggshunt, called
from the config's expressions.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from higgshunt.errors import ConfigError
from higgshunt.eventloop import graph_runner, releases
from higgshunt.eventloop.compiled import cache
from higgshunt.eventloop.compiled.codegen import HistogramSpec, Outputs, Step
from higgshunt.eventloop.declare import declare
from higgshunt.eventloop.samples import Sample
from higgshunt.skim import snapshot as snapshots
from higgshunt.skim.config import Histogram, SkimConfig
from higgshunt.skim.cutflow import WEIGHT, WEIGHT_SQUARED, CutflowBooking, CutflowValues
from higgshunt.skim.table import BUFFER_ROWS, LazyTable
from higgshunt.units import MEV_PER_GEV, PB_PER_FB

log = logging.getLogger(__name__)

ID_COLUMNS = ("runNumber", "eventNumber")
WEIGHT_COLUMNS = (WEIGHT, "w_mc", "w_sf", "w_norm")


@dataclass
class SampleGraph:
    """The booked results of one sample."""

    sample: Sample
    cutflow: CutflowBooking | CutflowValues
    table: LazyTable
    histograms: dict[str, Any] = field(default_factory=dict)
    snapshot: Any = None
    normalisation: dict[str, Any] = field(default_factory=dict)
    integer_features: list[str] = field(default_factory=list)


# C++ element types whose features are stored as integers (charges, pdgIds, object counts).
_INTEGER_TYPES = {
    "int", "unsigned int", "Int_t", "UInt_t", "short", "unsigned short", "Short_t", "UShort_t",
    "long", "unsigned long", "Long64_t", "ULong64_t", "char", "unsigned char", "Char_t", "UChar_t",
    "bool", "Bool_t", "int32_t", "uint32_t", "int64_t", "uint64_t",
}  # fmt: skip


def export_columns(config: SkimConfig) -> list[str]:
    """The columns read back from the event loop, in table order (per-sample constants are added later)."""
    return [*ID_COLUMNS, *WEIGHT_COLUMNS, *config.feature_names]


def select(
    df: Any,
    config: SkimConfig,
    sample: Sample,
    *,
    on_cut: Callable[[str, Any], None] | None = None,
    compiled: bool = True,
) -> tuple[Any, dict[str, Any]]:
    """The channel's selection of one sample: its release's input schema, weights, definitions, named cuts,
    then the features (GeV).

    Returns the selected node and the sample's normalisation; `on_cut(name, node)` is called on the node
    before any cut ("all") and after each named cut, e.g. to book a cutflow. The graph is compiled C++
    (see `eventloop.compiled`) unless `compiled` is False (distributed dataframes, whose workers do not
    load the library) or `compiled_graphs_enabled()` says no, else ROOT's JIT of the expressions.
    """
    steps, normalisation = graph_steps(config, sample)
    steps = _with_replacements(df, sample, steps)
    df = _event_model(df, sample)
    if compiled and compiled_graphs_enabled():
        nodes = graph_runner.apply_compiled(df, steps, config.declarations)
        if nodes is not None:
            return _report_cuts(nodes, steps, on_cut), normalisation
    declare(config.declarations, source=config.source)
    return graph_runner.apply_jit(df, steps, on_cut), normalisation


def _event_model(df: Any, sample: Sample) -> Any:
    """The first step: the release's own branches become the event model the config is written against."""
    return releases.apply(df, releases.by_name(sample.release)) if sample.release is not None else df


def _with_replacements(df: Any, sample: Sample, steps: list[Step]) -> list[Step]:
    """`steps`, with the config's columns named like one of the release's own branches outside the event
    model (the 2025 `met`) marked as replacing that branch (Redefine)."""
    if sample.release is None:
        return steps
    own = releases.outside_event_model(str(c) for c in df.GetColumnNames())
    return [
        dataclasses.replace(step, replaces=True) if step.kind == "define" and step.name in own else step
        for step in steps
    ]


def graph_steps(config: SkimConfig, sample: Sample) -> tuple[list[Step], dict[str, Any]]:
    """The selection as ordered steps: weights, definitions, the "all" mark, cuts, features."""
    where = config.source
    steps, normalisation = _weight_steps(config, sample)
    for name, expression in config.definitions.items():
        steps.append(Step("define", name, expression, f"{where}: definitions.{name}"))
    steps.append(Step("mark", "all", "", where))
    for position, cut in enumerate(config.cuts):
        steps.append(Step("filter", cut.name, cut.expression, f"{where}: cuts[{position}] ({cut.name})"))
    steps.extend(_feature_steps(config))
    return steps, normalisation


def compiled_graphs_enabled() -> bool:
    """Compiled graphs are the default when a C++ compiler is found; HIGGSHUNT_COMPILED=0 turns them off."""
    return cache.enabled()


def _report_cuts(nodes: list[Any], steps: list[Step], on_cut: Callable[[str, Any], None] | None) -> Any:
    """The compiled graph returns the node at the mark and after each cut, then the final node."""
    if on_cut is not None:
        names = [step.name for step in steps if step.kind in ("mark", "filter")]
        for name, node in zip(names, nodes, strict=False):
            on_cut(name, node)
    return nodes[-1]


def build(
    df: Any,
    config: SkimConfig,
    sample: Sample,
    *,
    spill_prefix: str | None = None,
    snapshot_path: str | None = None,
) -> SampleGraph:
    """Book the selection, cutflow, feature table, histograms and optional Snapshot of one sample on `df`.

    `spill_prefix` (local event loops) is where the table's rows are buffered during the loop (see
    `table.LazyTable`); without it (distributed event loops) the table is booked with AsNumpy. A local
    graph without a Snapshot is booked whole by its compiled library when compiled graphs are enabled.
    """
    if spill_prefix is not None and snapshot_path is None and compiled_graphs_enabled():
        compiled = _build_compiled(df, config, sample, spill_prefix)
        if compiled is not None:
            return compiled
    cutflow = CutflowBooking(sample.name)
    node, normalisation = select(df, config, sample, on_cut=cutflow.book, compiled=spill_prefix is not None)
    columns = export_columns(config)
    table = LazyTable.book(node, columns, spill_prefix=spill_prefix)
    histograms = {hist.name: node.Histo1D(_model(hist), hist.feature, WEIGHT) for hist in config.histograms}
    snapshot = snapshots.book(node, config, columns, snapshot_path) if snapshot_path else None
    integers = integer_features(node, config)
    return SampleGraph(sample, cutflow, table, histograms, snapshot, normalisation, integers)


def _build_compiled(df: Any, config: SkimConfig, sample: Sample, spill_prefix: str) -> SampleGraph | None:
    """Selection, cutflow, histograms and table booked by one compiled library; None when it cannot be
    compiled (the caller books through ROOT's JIT)."""
    steps, normalisation = graph_steps(config, sample)
    steps = _with_replacements(df, sample, steps)
    df = _event_model(df, sample)
    histograms = tuple(
        HistogramSpec(hist.name, hist.title, hist.bins, hist.low, hist.high, hist.feature, WEIGHT)
        for hist in config.histograms
    )
    # the compiler decides which features are integers: the element type of their expression
    probes = tuple(
        (feature.name, feature.expression if feature.index is None else feature.source)
        for feature in config.features
        if not feature.to_gev
    )
    columns = export_columns(config)
    outputs = Outputs(WEIGHT, WEIGHT_SQUARED, histograms, tuple(columns), probes)
    booking = graph_runner.book_compiled(
        df, steps, config.declarations, outputs, spill_prefix=spill_prefix, buffer_rows=BUFFER_ROWS
    )
    if booking is None:
        return None
    cuts = [step.name for step in steps if step.kind in ("mark", "filter")]
    cutflow = CutflowValues(sample.name, cuts, booking.handle(), booking.cutflow)
    table = LazyTable(columns, spill=_SpillFiles(booking), count=_Deferred(booking.rows))
    booked = {
        hist.name: _Deferred(partial(booking.histogram, index)) for index, hist in enumerate(histograms)
    }
    integers = booking.integer_features()
    return SampleGraph(sample, cutflow, table, booked, None, normalisation, integers)


class _Deferred:
    """A result read after the event loop, with the `GetValue()` of RDataFrame's own results."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read

    def GetValue(self) -> Any:  # noqa: N802 - the name of RDataFrame's result method
        return self._read()


class _SpillFiles:
    """The scratch files of a compiled booking's RowSpill, as `table.LazyTable` reads them."""

    def __init__(self, booking: graph_runner.CompiledBooking) -> None:
        self._booking = booking

    def Files(self) -> list[str]:  # noqa: N802 - the name of RowSpill's method
        return self._booking.spill_files()


def integer_features(node: Any, config: SkimConfig) -> list[str]:
    """The features whose expression has an integer C++ type (not converted to GeV); the table stores them as
    integers. Scalar features are defined as double, so their expression's type is read from an unused
    definition (never evaluated)."""
    names = []
    for feature in config.features:
        if feature.to_gev:
            continue
        if feature.index is None:
            kind = node.Define(f"__higgshunt_type_of_{feature.name}", feature.expression).GetColumnType(
                f"__higgshunt_type_of_{feature.name}"
            )
        else:
            kind = node.GetColumnType(feature.source)
        element = str(kind).strip()
        for prefix in ("ROOT::VecOps::RVec<", "ROOT::RVec<", "RVec<", "std::vector<", "vector<"):
            if element.startswith(prefix) and element.endswith(">"):
                element = element[len(prefix) : -1].strip()
        if element in _INTEGER_TYPES:
            names.append(feature.name)
    return names


def _weight_steps(config: SkimConfig, sample: Sample) -> tuple[list[Step], dict[str, Any]]:
    """w_mc * w_sf * w_norm = weight (1 for data); also the squared weight for the cutflow's errors.

    w_norm = xsec * luminosity / sum of weights; the numbers known before the loop are parameters of the
    graph (one compiled library serves every sample), the others are read from the tree's branches.
    """
    weights = config.weights
    where = f"{config.source}: weights"
    steps: list[Step] = []
    if sample.is_data:
        w_mc = w_sf = w_norm = "1.0"
        normalisation: dict[str, Any] = {"lumi_fb": sample.lumi_fb or config.lumi_fb}
    else:
        lumi_fb = sample.lumi_fb or config.lumi_fb
        if lumi_fb is None:
            raise ConfigError(
                f"{config.source}: lumi_fb is needed to normalise simulated sample {sample.name}"
            )
        w_mc = f"double({weights.mc})"
        w_sf = " * ".join(f"double({name})" for name in weights.scale_factors) or "1.0"
        for name, value, branch in (
            ("_xsec_pb", sample.xsec_pb, weights.xsec),
            ("_lumi_pb", lumi_fb * PB_PER_FB, None),
            ("_sum_weights", sample.sum_weights, weights.sum_weights),
        ):
            if value is not None:
                steps.append(Step("parameter", name, repr(float(value)), where))
            else:
                steps.append(Step("define", name, f"double({branch})", where))
        w_norm = "_xsec_pb * _lumi_pb / _sum_weights"
        normalisation = {"lumi_fb": lumi_fb, "xsec_pb": sample.xsec_pb, "sum_weights": sample.sum_weights}
    steps += [
        Step("define", "w_mc", w_mc, where),
        Step("define", "w_sf", w_sf, where),
        Step("define", "w_norm", w_norm, where),
        Step("define", WEIGHT, "w_mc * w_sf * w_norm", where),
        Step("define", WEIGHT_SQUARED, f"{WEIGHT} * {WEIGHT}", where),
    ]
    return steps, normalisation


def _feature_steps(config: SkimConfig) -> list[Step]:
    steps: list[Step] = []
    defined: set[str] = set()
    for feature in config.features:
        if feature.source not in defined:
            # The one place where MeV (the ntuples' unit) becomes GeV (the exported unit): times 0.001.
            expression = (
                f"({feature.expression}) * {1.0 / MEV_PER_GEV!r}"
                if feature.to_gev
                else f"({feature.expression})"
            )
            steps.append(
                Step(
                    "define",
                    feature.source,
                    expression if feature.index is not None else f"double{expression}",
                    f"{config.source}: features ({feature.name}: {feature.expression})",
                )
            )
            defined.add(feature.source)
        if feature.index is not None:
            # Missing entries (a shorter vector than the layout) are NaN rather than out-of-bounds reads.
            source, index = feature.source, feature.index
            steps.append(
                Step(
                    "define",
                    feature.name,
                    f"{source}.size() > {index} ? double({source}[{index}]) : NAN",
                    f"{config.source}: features ({feature.name})",
                )
            )
    return steps


def _model(hist: Histogram) -> Any:
    import ROOT

    return ROOT.RDF.TH1DModel(hist.name, hist.title, hist.bins, hist.low, hist.high)
