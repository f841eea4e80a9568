"""Run a bump hunt: book every sample's histograms, run all event loops at once, choose the score cuts on
simulation, write the category histograms (plot_stack layout), fit the data per category, write the summary.

Everything goes to one output directory written under a temporary name and renamed when complete: the
category histograms (`higgshunt.artifacts.category_histograms`), one HistFactory workspace per category
(`higgshunt.artifacts.workspaces`), summary.json, stack_<category>.png and
fit_<category>/fit.{png,pdf} (with plots).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt import fit as fitting
from higgshunt import provenance, skim
from higgshunt.artifacts import category_histograms, trained_model, workspaces
from higgshunt.artifacts.category_histograms import CategoryHistograms
from higgshunt.bumphunt import booking, data_kind, pseudo_data, report, selection
from higgshunt.bumphunt.config import BumphuntConfig
from higgshunt.errors import InputError
from higgshunt.eventloop import executors, inputs
from higgshunt.eventloop.declare import declare, first_line
from higgshunt.eventloop.samples import Sample
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"


@dataclass
class BumphuntResult:
    """What a run wrote and found.

    Attributes:
        output: the output directory.
        summary: the content of summary.json (yields, cuts, expected and observed significances, sculpting,
            and `data_kind`: open_data, pseudo_data or simulation).
    """

    output: Path
    summary: dict[str, Any]

    @property
    def root_file(self) -> Path:
        return category_histograms.path(self.output)


def run(
    config: BumphuntConfig,
    *,
    threads: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    cluster: str = "local",
    npartitions: int | None = None,
    plots: bool | None = None,
    fit: bool | None = None,
    progress: bool = True,
    release: str | None = None,
) -> BumphuntResult:
    """Run the bump hunt of `config` into `config.output`; `plots`/`fit` override the config's switches.

    Each sample's files are read through their release's input schema, as the skim reads them
    (`skim.read_as`: detected from the sample's first file, or `release` by name); the provenance records it.

    The event loops run where `executor` says (higgshunt.eventloop.executors: "local" with `threads`, or
    "dask" on the cluster at `scheduler`, or a 2-worker one started on `cluster` local, slurm or htcondor,
    `npartitions` per sample);
    the histograms are the same either way.

    Raises:
        ConfigError: a bad config or sample list. InputError: a missing or unreadable input, a missing data,
            signal or background sample, an empty histogram, no allowed score cut.
        ModelFormatError: a model directory of another format or version.
    """
    samples = skim.resolve_samples(config.skim)
    if config.pseudo_data is not None:  # the data histograms are drawn, no data sample is read
        samples = [sample for sample in samples if not sample.is_data]
    _check_kinds(samples, config)
    reads = [skim.read_as(config.skim, sample, release) for sample in samples]
    samples = [read.sample for read in reads]
    for read in reads:
        inputs.check_files(
            read.sample.files, read.tree, ["eventNumber"], skip_bad=False, types=read.branch_types
        )
    processes = booking.processes(config, samples)
    declare(config.skim.declarations, source=config.skim.source)
    runner = executors.make(
        executor,
        threads=threads,
        scheduler=scheduler,
        cluster=cluster,
        npartitions=npartitions,
        declarations=config.skim.declarations,
    )
    booked = _run_event_loops(config, reads, runner)
    categories, chosen = _categories(config, booked, processes)
    kinds = {process.name: process.kind for process in processes}
    spurious = _spurious_signals(config, categories, kinds)
    backgrounds = {
        name: record["background"] if record else _fallback_background(config)
        for name, record in spurious.items()
    }
    drawn = pseudo_data.draw(config, categories, backgrounds) if config.pseudo_data is not None else None
    plots = config.plots if plots is None else plots
    fit = config.fit.enabled if fit is None else fit
    if config.blind:
        _blind(config, categories)
        fit = False  # a fit of the data would reveal what the window holds
    what = (
        pseudo_data.data_kind(config)
        if config.pseudo_data is not None
        else data_kind.detect(config.data_kind, config.skim, samples)
    )
    log.info("data of this run: %s", what)
    record = provenance.collect(config.raw)
    record["releases"] = {read.sample.name: read.schema.name for read in reads}
    output = config.output
    with atomic_output(output) as tmp:
        tmp.mkdir(parents=True)
        category_histograms.save(
            tmp,
            CategoryHistograms(
                categories=categories,
                kinds=kinds,
                lumi_fb=config.lumi_fb,
                data_kind=what,
                provenance=record,
            ),
        )
        workspaces.save(
            tmp,
            fitting.category_workspaces(
                categories,
                kinds,
                mass_range=config.fit.range,
                systematics=config.raw.get("systematics", {}),
                data_kind=what,
                lumi_fb=config.lumi_fb,
                blinded=config.blind,
                provenance=record,
                spurious=spurious,
            ),
        )
        fits = report.fit_categories(config, tmp, backgrounds, plots=plots, progress=progress) if fit else {}
        functions = {
            name: {"function": backgrounds[name], "spurious_signal": record}
            for name, record in spurious.items()
        }
        summary = report.summary(config, categories, kinds, chosen, fits, record, functions)
        summary["data_kind"] = what
        summary["pseudo_data"] = (
            None
            if drawn is None or config.pseudo_data is None
            else {"method": pseudo_data.METHOD, "seed": config.pseudo_data.seed, "categories": drawn}
        )
        summary["blinded"] = list(config.window) if config.blind else None
        if plots:
            report.draw_stacks(tmp, list(categories), progress=progress)
        with (tmp / SUMMARY_FILE).open("w") as handle:
            json.dump(summary, handle, indent=1, default=str, allow_nan=False)
    log.info("bump hunt of %s written to %s", config.channel, output)
    return BumphuntResult(output, summary)


def _spurious_signals(
    config: BumphuntConfig, categories: dict[str, dict[str, Any]], kinds: dict[str, str]
) -> dict[str, dict[str, Any] | None]:
    """Per category, the spurious-signal test on the simulated background (`fit.choose_backgrounds`): of
    every function with `fit.background: auto` (the choice), else of the configured one when
    `systematics.spurious_signal` asks for it (None: not measured)."""
    if config.fit.auto_background:
        candidates: tuple[str, ...] = fitting.BACKGROUNDS
    elif config.raw.get("systematics", {}).get("spurious_signal", True):
        candidates = (config.fit.background,)
    else:
        return dict.fromkeys(categories)
    return fitting.choose_backgrounds(
        categories, kinds, mass_range=config.fit.range, signal=config.fit.signal, candidates=candidates
    )


def _fallback_background(config: BumphuntConfig) -> str:
    """The background function of a category whose spurious signal could not be measured: the configured one,
    or with `auto` the simplest (a template too sparse for the test is too sparse for more parameters)."""
    return fitting.BACKGROUNDS[0] if config.fit.auto_background else config.fit.background


def _check_kinds(samples: list[Sample], config: BumphuntConfig) -> None:
    kinds = {sample.kind for sample in samples}
    for kind in ("signal", "background"):
        if kind not in kinds:
            raise InputError(
                f"{config.skim.source}: no {kind} sample among {[s.name for s in samples]}; the bump hunt "
                "needs signal and background (and data, or the Asimov data set stands in)"
            )
    setting = config.data_kind
    if setting != data_kind.AUTO and ("data" in kinds) == (setting == "simulation"):
        raise InputError(
            f"{config.source}: data_kind: '{setting}' but {'a' if 'data' in kinds else 'no'} data sample "
            f"among {[s.name for s in samples]} (simulation means: no data sample, the Asimov data set "
            "stands in)"
        )


def _run_event_loops(
    config: BumphuntConfig, reads: list[skim.ReadAs], runner: executors.Executor
) -> list[booking.Booked]:
    """Book every sample, then run all event loops together (one pass over each input); closes `runner`."""
    model = None if config.model is None else trained_model.load(config.model)  # checked once per run
    try:
        booked = [
            booking.book(runner.dataframe(read.tree, read.sample.files), config, read.sample, model)
            for read in reads
        ]
        files = sum(len(read.sample.files) for read in reads)
        log.info("running %d event loop(s) over %d file(s)", len(booked), files)
        start = time.perf_counter()
        try:
            runner.run([b.mass for b in booked])
        except Exception as exc:
            # A read or evaluation error inside the loop, raised by ROOT as a C++ exception.
            raise InputError(f"event loop failed: {first_line(exc)}") from exc
        log.info("event loops done in %.1f s", time.perf_counter() - start)
    finally:
        runner.close()
    return booked


def _categories(
    config: BumphuntConfig, booked: list[booking.Booked], processes: list[booking.Process]
) -> tuple[dict[str, dict[str, Any]], dict[str, selection.SplitSelection]]:
    """Category -> {"data", process names, "total_signal", "total_background"} -> TH1D; and the selections.

    The score cuts come from the simulated samples' mass-vs-score histograms only.
    """
    kinds = {b.sample.name: b.sample.kind for b in booked}
    title = f";{config.mass_title};"

    def category(by_sample: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for process in processes:
            result[process.name] = booking.add(
                [by_sample[n] for n in process.samples], process.name, f"{process.title}{title}"
            )
        for kind in ("signal", "background"):
            members = [h for n, h in by_sample.items() if kinds[n] == kind]
            result[f"total_{kind}"] = booking.add(members, f"total_{kind}", f"{kind}{title}")
        data = [h for n, h in by_sample.items() if kinds[n] == "data"]
        # without data, the Asimov data set: the simulated expectation itself
        result["data"] = booking.add(
            data or [result["total_signal"], result["total_background"]], "data", title
        )
        return result

    result = {booking.CUT_BASED: category({b.sample.name: b.mass.GetValue() for b in booked})}
    _check_not_empty(config, result[booking.CUT_BASED])
    chosen: dict[str, selection.SplitSelection] = {}
    if config.model is not None:
        chosen = _optimise(config, [b for b in booked if not b.sample.is_data])
        for name, choice in chosen.items():
            for category_name, interval in booking.named(name, choice.chosen):
                result[category_name] = category(
                    {
                        b.sample.name: booking.project(
                            _mass_score(b),
                            f"{category_name}_{b.sample.name}",
                            interval.first_bin,
                            interval.last_bin,
                        )
                        for b in booked
                    }
                )
    return result, chosen


def _optimise(config: BumphuntConfig, mc: list[booking.Booked]) -> dict[str, selection.SplitSelection]:
    """The single cut (`ml`) and, when asked, the score categories (`ml_cat`), from simulation only: chosen
    on the events of one eventNumber parity, measured on the other (each half's yields x 2)."""
    first, last = (config.mass.edge_index(edge) for edge in config.window)
    assert first is not None and last is not None  # checked when the config was loaded
    options = config.optimisation
    choosing = booking.HALVES.index(options.choose_on)
    halves = [_half_yields(mc, parity, (first + 1, last + 1)) for parity in (choosing, 1 - choosing)]
    score = config.score
    edges = np.linspace(score.low, score.high, score.bins + 1)
    words = [
        f"simulated events with {booking.HALVES[p]} eventNumber (yields x 2)"
        for p in (choosing, 1 - choosing)
    ]

    def split(chosen: selection.Selection, method: str) -> selection.SplitSelection:
        labelled = selection.measure(chosen, halves[0]["signal"], halves[0]["background"], scale=2.0)
        measured = selection.measure(chosen, halves[1]["signal"], halves[1]["background"], scale=2.0)
        log.info(
            "%s: expected Z %.3f on the choosing half, %.3f on the independent half",
            method,
            labelled.significance,
            measured.significance,
        )
        return selection.SplitSelection(labelled, measured, words[0], words[1], method)

    if options.background_efficiencies is not None:
        efficiencies = sorted(options.background_efficiencies, reverse=True)
        method = "background efficiencies (background only)"
        result = {
            booking.ML: split(
                selection.at_background_efficiencies(
                    halves[0]["signal"], halves[0]["background_all"], edges, tuple(efficiencies[:1])
                ),
                f"{method}: {efficiencies[:1]}",
            )
        }
        if len(efficiencies) > 1:
            result["ml_cat"] = split(
                selection.at_background_efficiencies(
                    halves[0]["signal"], halves[0]["background_all"], edges, tuple(efficiencies)
                ),
                f"{method}: {efficiencies}",
            )
        return result

    def best(n_categories: int) -> selection.SplitSelection:
        chosen = selection.optimise(
            halves[0]["signal"] * 2,
            halves[0]["background"] * 2,
            edges,
            categories=n_categories,
            min_background=options.min_background,
            background_sumw2=halves[0]["background_sumw2"] * 4,  # weights x 2
            min_effective_events=options.min_effective_events,
        )
        return split(chosen, "largest expected Asimov significance")

    result = {booking.ML: best(1)}
    # A sharp classifier can leave too little background for many categories: fall back to fewer.
    for n_categories in range(options.categories, 1, -1):
        try:
            result["ml_cat"] = best(n_categories)
            break
        except InputError as exc:
            log.warning("%s: trying fewer score categories", exc)
    return result


def _half_yields(mc: list[booking.Booked], parity: int, window: tuple[int, int]) -> dict[str, np.ndarray]:
    """Per score bin (flows included) of the simulated events of one eventNumber parity: signal and background
    yields in the mass window, the background's sum of squared weights there, and the background over the
    whole mass range (flows included). Unscaled."""
    low, high = window
    result: dict[str, np.ndarray] = {}
    for b in mc:
        assert b.mass_score_halves is not None  # booked for every simulated sample with a model
        hist = b.mass_score_halves[parity].GetValue()
        parts = {b.sample.kind: booking.as_array(hist)[low:high, :].sum(axis=0)}
        if b.sample.kind == "background":
            parts["background_sumw2"] = booking.as_sumw2(hist)[low:high, :].sum(axis=0)
            parts["background_all"] = booking.as_array(hist).sum(axis=0)
        for key, value in parts.items():
            result[key] = result.get(key, 0.0) + value
    return result


def _mass_score(booked: booking.Booked) -> Any:
    assert booked.mass_score is not None  # booked whenever there is a model
    return booked.mass_score.GetValue()


def _blind(config: BumphuntConfig, categories: dict[str, dict[str, Any]]) -> None:
    """Empty the data's mass-window bins (contents and errors) in every category; the data histogram's title
    says so (the stack plot's legend shows it)."""
    first, last = (config.mass.edge_index(edge) for edge in config.window)
    assert first is not None and last is not None  # checked when the config was loaded
    low, high = config.window
    for category in categories.values():
        for data in (category[n] for n in ("data", pseudo_data.BACKGROUND_ONLY) if n in category):
            for bin_number in range(first + 1, last + 1):
                data.SetBinContent(bin_number, 0.0)
                data.SetBinError(bin_number, 0.0)
            data.SetTitle(f"{data.GetTitle() or 'Data'} (blinded {low:g}-{high:g});{config.mass_title};")
    log.info("blinded: data in the window [%g, %g] hidden", low, high)


def _check_not_empty(config: BumphuntConfig, category: dict[str, Any]) -> None:
    for name in ("data", "total_signal", "total_background"):
        if (
            category[name].GetEntries() == 0
            or category[name].Integral(0, category[name].GetNbinsX() + 1) == 0
        ):
            raise InputError(
                f"{config.source}: the cut-based {name.replace('total_', '')} histogram of "
                f"{config.mass_feature} is empty: no selected event in its samples"
            )
