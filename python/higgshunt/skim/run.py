"""Run a skim: check inputs, book every sample's graph, run all event loops together, write the outputs.

Per sample the outputs are written in a fixed order with the HDF5 table last. A table whose recorded
fingerprint (config hash, sample metadata, input files with size and modification time, --max-events) matches
the current one marks the sample complete, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from higgshunt import provenance
from higgshunt.artifacts import documents, skim_table
from higgshunt.errors import ConfigError, InputError
from higgshunt.eventloop import datasets, executors, inputs
from higgshunt.eventloop.compiled import cache as compiled_cache
from higgshunt.eventloop.declare import first_line
from higgshunt.eventloop.samples import Sample, is_remote
from higgshunt.outputs import all_or_nothing, atomic_output
from higgshunt.skim import data_kind, graph, histogram_file, snapshot
from higgshunt.skim.config import SkimConfig
from higgshunt.skim.cutflow import Cutflow
from higgshunt.skim.samples import ReadAs, read_as, resolve_samples

log = logging.getLogger(__name__)

HISTOGRAM_FILE = "histograms.root"
CUTFLOW_FILE = "cutflow.json"


@dataclass
class SkimResult:
    """What a run did.

    Attributes:
        channel_dir: `<output>/<channel>`, holding the skim table, histograms.root, cutflow.json (and
            snapshots/).
        processed: samples whose event loop ran now.
        resumed: samples skipped because their outputs were complete for the same config and inputs.
        bad_files: file -> reason, for files skipped with skip_bad_files.
        cutflows: cutflows of the processed samples.
        seconds: wall time of the stages "book" (graphs built), "event_loops" (including ROOT's JIT) and
            "write" (histograms, cutflows, tables) of the processed samples.
        compiled: the graphs run compiled or through ROOT's JIT, the compile cache's hits and misses and
            the seconds spent compiling (None when no event loop ran).
    """

    channel_dir: Path
    processed: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    bad_files: dict[str, str] = field(default_factory=dict)
    cutflows: list[Cutflow] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    compiled: compiled_cache.CacheReport | None = None

    @property
    def skim_file(self) -> Path:
        return self.channel_dir / skim_table.FILE_NAME


@dataclass
class _Job:
    sample: Sample
    files: list[str]
    dsid: int
    fingerprint: dict[str, Any]
    normalisation: dict[str, Any]
    entries: int
    tree: str
    outputs: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    booked: graph.SampleGraph | None = None


def run(
    config: SkimConfig,
    *,
    output: str | Path = "outputs",
    samples: Sequence[str] | None = None,
    inputs_by_name: Mapping[str, Sequence[str]] | None = None,
    threads: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    cluster: str = "local",
    npartitions: int | None = None,
    max_events: int | None = None,
    force: bool = False,
    skip_bad_files: bool = False,
    progress: bool = True,
    release: str | None = None,
    datasets_found: Mapping[str, Sample] | None = None,
) -> SkimResult:
    """Skim the config's samples (or `inputs_by_name`) into `<output>/<channel>/`.

    Options mirror `higgshunt skim`: `samples` restricts the run, `threads` > 1 enables implicit
    multi-threading, `executor="dask"` runs on a dask.distributed cluster (`scheduler` address, or a
    2-worker cluster started on `cluster` local, slurm or htcondor), `max_events` reads the first N entries
    per sample, `force` reruns complete samples, `skip_bad_files` drops unreadable files (listed in the
    result) instead of failing, `release` forces the input schema (`eventloop.releases`) instead of detecting
    it from each sample's first file. `datasets_found` (from `eventloop.datasets.resolve`) adds samples found
    in the Open Data catalogue, with their normalisation or luminosity.
    """
    result = SkimResult(channel_dir=Path(output) / config.channel)
    found = dict(datasets_found or {})
    inputs = {**{name: list(s.files) for name, s in found.items()}, **(inputs_by_name or {})}
    resolved = [
        datasets.merged(s, found[s.name]) if s.name in found else s
        for s in resolve_samples(config, inputs=inputs, only=samples)
    ]
    jobs = []
    for sample in resolved:
        job = _prepare(
            config, sample, result, max_events=max_events, skip_bad_files=skip_bad_files, release=release
        )
        if job is None:
            continue
        done = None if force else skim_table.attributes(result.skim_file, sample.name)
        if done is not None and done.fingerprint == job.fingerprint:
            log.info(
                "sample %s is complete for this config and these inputs: skipped (--force reruns it)",
                sample.name,
            )
            result.resumed.append(sample.name)
            continue
        jobs.append(job)
    if not jobs:
        return result

    if executor == "dask" and config.snapshot.enabled:
        # a distributed Snapshot writes one file per partition, which the atomic rename cannot follow
        raise ConfigError(f"{config.source}: output.snapshot is not available with --executor dask")
    runner = executors.make(
        executor,
        threads=threads,
        max_events=max_events,
        scheduler=scheduler,
        cluster=cluster,
        npartitions=npartitions,
        declarations=config.declarations,
        progress=progress,
    )
    result.channel_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_scratch(result.channel_dir)
    # the tables' rows wait here between the event loop and the HDF5 write (removed whatever happens)
    scratch = tempfile.TemporaryDirectory(prefix=".rows-", dir=result.channel_dir)
    try:
        start = time.perf_counter()
        before = dataclasses.replace(compiled_cache.REPORT, fallbacks=list(compiled_cache.REPORT.fallbacks))
        _book(config, jobs, runner, result.channel_dir, Path(scratch.name))
        booked = time.perf_counter()
        result.compiled = compiled_cache.REPORT.since(before)
        log.info("%s", result.compiled.line())
        _run_event_loops(runner, jobs, max_events)
        looped = time.perf_counter()
        record = provenance.collect(config.raw)
        for job in tqdm(jobs, desc="writing outputs", unit="sample", disable=not progress, file=sys.stderr):
            with all_or_nothing():  # a sample's histograms and cutflow only with its table
                result.cutflows.append(_write(config, job, result.channel_dir, record, force=force))
            result.processed.append(job.sample.name)
        result.seconds = {
            "book": booked - start,
            "event_loops": looped - booked,
            "write": time.perf_counter() - looped,
        }
    finally:
        for job in jobs:
            if job.sample.name not in result.processed:
                _discard(job.outputs)
        runner.close()
        scratch.cleanup()
    return result


def _remove_stale_scratch(channel_dir: Path) -> None:
    """Row scratch folders left by a killed run: their rows never reached a table, so they are only litter."""
    for stale in channel_dir.glob(".rows-*"):
        log.info("removing %s, left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _cpp_stdout_to_stderr() -> Iterator[None]:
    """Send what C++ writes to stdout (ROOT's progress bar) to stderr: stdout is kept for the result."""
    import ROOT

    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        ROOT.std.cout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _run_event_loops(runner: executors.Executor, jobs: list[_Job], max_events: int | None) -> None:
    entries = sum(job.entries if max_events is None else min(job.entries, max_events) for job in jobs)
    log.info(
        "running %d event loop(s) over %d file(s), %d entries",
        len(jobs),
        sum(len(job.files) for job in jobs),
        entries,
    )
    start = time.perf_counter()
    try:
        with _cpp_stdout_to_stderr():
            runner.run([job.booked.cutflow.first_handle() for job in jobs if job.booked is not None])
    except Exception as exc:  # a read error in the middle of a file, surfaced by ROOT as a C++ exception
        raise InputError(f"event loop failed: {first_line(exc)}") from exc
    seconds = time.perf_counter() - start
    log.info(
        "event loops done in %.1f s (%.0f entries/s, JIT compilation included)",
        seconds,
        entries / seconds if seconds > 0 else 0.0,
    )


def _prepare(
    config: SkimConfig,
    sample: Sample,
    result: SkimResult,
    *,
    max_events: int | None,
    skip_bad_files: bool,
    release: str | None,
) -> _Job | None:
    """Check a sample's files and compute its fingerprint; None when no usable file is left."""
    read = read_as(config, sample, release)
    sample, schema, tree = read.sample, read.schema, read.tree
    if schema.columns:
        needed = [*schema.required, "runNumber", "eventNumber"]
    else:  # the event model itself: every branch the config reads, with its type
        needed = inputs.branches_used(_expressions(config, sample)) + ["runNumber", "eventNumber"]
    checked = inputs.check_files(
        sample.files, tree, sorted(set(needed)), skip_bad=skip_bad_files, types=read.branch_types
    )
    result.bad_files.update(checked.bad)
    if not checked.good:
        log.warning("sample %s: no readable input file left; skipped", sample.name)
        return None
    if sample.is_data and sample.lumi_fb is None:
        usable = [path for path in sample.files if path not in checked.bad]  # names that carry the periods
        sample = replace(sample, lumi_fb=_data_lumi_fb(config, sample.name, usable, schema.name))
    dsid = sample.dsid
    if dsid is None:
        dsid = 0 if sample.is_data else int(inputs.first_value(checked.good[0], tree, "channelNumber") or 0)
    normalisation = {} if sample.is_data else _normalisation(config, sample, checked.good[0], read)
    fingerprint = {
        "config_hash": config.selection_hash,
        "sample": {
            "name": sample.name,
            "kind": sample.kind,
            "dsid": dsid,
            "xsec_pb": sample.xsec_pb,
            "sum_weights": sample.sum_weights,
            "lumi_fb": sample.lumi_fb or config.lumi_fb,
            "release": sample.release,
        },
        "files": [_file_identity(path) for path in checked.good],
        "max_events": max_events,
    }
    return _Job(sample, checked.good, dsid, fingerprint, normalisation, checked.total_entries, tree)


def _data_lumi_fb(config: SkimConfig, name: str, files: Sequence[str], release: str) -> float | None:
    """The luminosity of a data sample's periods (a file of one period is not the whole release's data)."""
    lumi_fb = datasets.data_lumi_fb(files, release)
    if lumi_fb is not None and config.lumi_fb is not None and not math.isclose(lumi_fb, config.lumi_fb):
        log.warning(
            "sample %s: its data periods hold %g fb^-1, the simulation is normalised to lumi_fb %g",
            name,
            lumi_fb,
            config.lumi_fb,
        )
    return lumi_fb


def _book(
    config: SkimConfig, jobs: list[_Job], runner: executors.Executor, channel_dir: Path, scratch: Path
) -> None:
    snapshot_on = config.snapshot.enabled
    distributed = isinstance(runner, executors.DaskExecutor)
    for position, job in enumerate(jobs):
        snapshot_tmp = None
        if snapshot_on:
            final = snapshot.path_for(channel_dir, job.sample.name)
            snapshot_tmp = str(job.outputs.enter_context(atomic_output(final)))
        df = runner.dataframe(job.tree, job.files)
        job.booked = graph.build(
            df,
            config,
            job.sample,
            spill_prefix=None if distributed else str(scratch / str(position)),
            snapshot_path=snapshot_tmp,
        )


def _write(
    config: SkimConfig, job: _Job, channel_dir: Path, record: dict[str, Any], *, force: bool
) -> Cutflow:
    """All outputs of one sample; the HDF5 table, the completion marker, comes last. With `force` an
    unreadable skim file is replaced."""
    booked = job.booked
    assert booked is not None
    cutflow = dataclasses.replace(booked.cutflow.result(), events_available=job.entries)
    if cutflow.partial_note:
        log.warning("%s: %s", job.sample.name, cutflow.partial_note)
    hists = {name: handle.GetValue() for name, handle in booked.histograms.items()}
    what = histogram_file.SampleRecord(
        kind=data_kind.of_samples([job.sample], config.manifest_path()),
        lumi_fb=booked.normalisation.get("lumi_fb"),
        provenance=record,
    )
    histogram_file.write(channel_dir / HISTOGRAM_FILE, job.sample.name, hists, cutflow, what)
    _merge_cutflow_json(channel_dir / CUTFLOW_FILE, cutflow, record)
    if booked.snapshot is not None:
        booked.snapshot.GetValue()
    job.outputs.close()  # the Snapshot is renamed into place before the table that marks the sample complete
    frames = skim_table.to_frames(
        booked.table.chunks(skim_table.CHUNK_ROWS),
        name=job.sample.name,
        label=job.sample.label,
        folds=config.folds,
        dsid=job.dsid,
        features=config.feature_names,
        integers=booked.integer_features,
    )
    attrs = skim_table.TableAttributes(
        provenance=record,
        config_hash=config.hash,
        fingerprint=job.fingerprint,
        lumi_fb=booked.normalisation.get("lumi_fb"),
        xsec_pb=job.normalisation.get("xsec_pb"),
        sum_weights=job.normalisation.get("sum_weights"),
        dsid=job.dsid,
        kind=job.sample.kind,
        files=job.files,
        cutflow=cutflow.to_dict(),
    )
    skim_table.write(
        channel_dir / skim_table.FILE_NAME,
        job.sample.name,
        frames,
        attrs,
        complib=config.compression.library,
        complevel=config.compression.level,
        expected_rows=booked.table.rows(),
        replace_unreadable=force,
    )
    return cutflow


def _merge_cutflow_json(path: Path, cutflow: Cutflow, record: dict[str, Any]) -> None:
    document: dict[str, Any] = {"samples": {}}
    if path.exists():
        with contextlib.suppress(OSError, json.JSONDecodeError):
            document = json.loads(path.read_text())
    document.setdefault("samples", {})[cutflow.sample] = cutflow.to_dict()["rows"]
    notes = document.setdefault("notes", {})  # partial reads (--max-events): yields of N of M events
    notes.pop(cutflow.sample, None)
    if cutflow.partial_note:
        notes[cutflow.sample] = cutflow.partial_note
    document["provenance"] = {"code_version": record["code_version"], "config_hash": record["config_hash"]}
    documents.write_json(path, document, indent=1)


def _expressions(config: SkimConfig, sample: Sample) -> list[str]:
    expressions = [
        *config.definitions.values(),
        *(cut.expression for cut in config.cuts),
        *(feature.expression for feature in config.features),
    ]
    if not sample.is_data:
        weights = config.weights
        expressions += [weights.mc, *weights.scale_factors]
        if sample.xsec_pb is None:
            expressions.append(weights.xsec)
        if sample.sum_weights is None:
            expressions.append(weights.sum_weights)
    return expressions


def _normalisation(config: SkimConfig, sample: Sample, first_file: str, read: ReadAs) -> dict[str, Any]:
    """Cross-section and sum of weights for the record: the config/manifest values, else the tree's branches
    (first entry; the per-event weight reads the branches themselves)."""
    weights = config.weights
    record: dict[str, Any] = {"xsec_pb": sample.xsec_pb, "sum_weights": sample.sum_weights}
    sources = dict(read.schema.normalisation) or {
        "xsec_pb": (weights.xsec,),
        "sum_weights": (weights.sum_weights,),
    }
    for key, branches in sources.items():
        if record[key] is None:
            values = [inputs.first_value(first_file, read.tree, branch) for branch in branches]
            record[key] = None if None in values else math.prod(float(v) for v in values)
            log.info("sample %s: %s from %s (%s in its first entry)", sample.name, key, branches, values)
    return record


def _file_identity(path: str) -> dict[str, Any]:
    if is_remote(path):
        return {"path": path}
    stat = os.stat(path)
    return {"path": str(Path(path).resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _discard(stack: contextlib.ExitStack) -> None:
    """Close a sample's pending outputs as failed: atomic_output then deletes their temporary files."""
    failure = InputError("sample not completed")
    stack.__exit__(type(failure), failure, None)
