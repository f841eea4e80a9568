"""Run a whole generation: load and check the configs, generate the samples (in parallel), draw pseudo-data,
keep the manifest up to date, skip what is already complete.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from higgshunt import configuration, resources
from higgshunt.artifacts.sample_manifest import FileEntry, SampleManifest
from higgshunt.errors import ConfigError
from higgshunt.generation import ntuple, pseudodata, resume
from higgshunt.generation.processes import Sample, build_samples, data_relative_path, data_tag, select
from higgshunt.generation.sample import SampleOutput, SampleSettings, generate_sample
from higgshunt.provenance import collect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pseudodata:
    """How pseudo-data are drawn: luminosities (fb^-1), seed offset and the runNumber of the data."""

    lumi_fb: tuple[float, ...]
    seed_offset: int
    run_number: int


@dataclass(frozen=True)
class GenerationConfig:
    """A validated samples config with its detector config.

    Attributes:
        raw: the samples config as read, kept only to be recorded in provenance.
        output: the default output directory; a relative `output` is taken from the data root
            (`resources.builtin_data`), where the skim looks for the built-in samples.
        skims: reconstruction-level requirements per skim, as written.
    """

    path: Path
    raw: dict[str, Any]
    detector: dict[str, Any]
    samples: list[Sample]
    output: Path
    seed: int
    batch_size: int
    run_number: int
    detector_batch_size: int
    skims: dict[str, dict[str, Any]]
    pseudodata: Pseudodata


def load_config(path: str | Path) -> GenerationConfig:
    """Read configs/samples.yaml and the detector config it names; both validated against their schemas."""
    path = Path(path)
    raw = configuration.load(path, "samples")
    detector_path = path.parent / raw["detector"]
    detector = configuration.load(detector_path, "detector")
    _check_efficiency_tables(detector, detector_path)
    samples = build_samples(raw, source=str(path))
    for index, sample in enumerate(samples):
        if sample.skim not in raw["skims"]:
            raise ConfigError(
                f"{path}: processes[{index}].skim: '{sample.skim}' is not defined under skims "
                f"({sorted(raw['skims'])})"
            )
    pseudo = raw["pseudodata"]
    return GenerationConfig(
        path,
        raw,
        detector,
        samples,
        output=resources.builtin_data(raw["output"]),
        seed=int(raw["seed"]),
        batch_size=int(raw["batch_size"]),
        run_number=int(raw["run_number"]),
        detector_batch_size=int(raw["detector_batch_size"]),
        skims=raw["skims"],
        pseudodata=Pseudodata(
            tuple(pseudo["lumi_fb"]), int(pseudo["seed_offset"]), int(pseudo["run_number"])
        ),
    )


def _check_efficiency_tables(detector: dict[str, Any], source: Path) -> None:
    for kind in ("electrons", "muons", "photons"):
        table = detector[kind]["efficiency"]
        edges, values = table["pt_edges_gev"], table["values"]
        if len(edges) != len(values) or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ConfigError(
                f"{source}: {kind}.efficiency: expected ascending pt_edges_gev and one value per edge, "
                f"got {len(edges)} edges and {len(values)} values"
            )


def generate(
    config: GenerationConfig,
    output: str | Path | None = None,
    *,
    events: int | None = None,
    processes: Sequence[str] | None = None,
    seed: int | None = None,
    jobs: int = 1,
    lumi_fb: Sequence[float] | None = None,
    progress: bool = True,
    force: bool = False,
    layout: str = ntuple.DEFAULT_LAYOUT,
) -> SampleManifest:
    """Generate the configured samples and pseudo-data; returns the updated manifest.

    Args:
        config: from `load_config`.
        output: output directory (default: the config's `output`, see `GenerationConfig`).
        events: overrides every sample's `events` (and scales `max_attempts` with it).
        processes: only these processes (names or `skim/name`); pseudo-data only for skims whose samples are
            all complete.
        seed: overrides the config's seed.
        jobs: samples generated in parallel (one process per sample).
        lumi_fb: pseudo-data luminosities (fb^-1), overriding the config's.
        progress: show a progress bar on stderr.
        force: regenerate samples even if the manifest says they are complete.
        layout: the release layout of the written ntuples, "2020" or "2025" (`ntuple.LAYOUTS`); part of each
            file's fingerprint, so a change regenerates the files.
    """
    if layout not in ntuple.LAYOUTS:
        raise ConfigError(f"--format: unknown layout '{layout}', expected one of {list(ntuple.LAYOUTS)}")
    output_dir = Path(output) if output is not None else config.output
    run_seed = config.seed if seed is None else int(seed)
    lumis = list(lumi_fb) if lumi_fb else list(config.pseudodata.lumi_fb)
    samples = [_with_events(s, events) for s in config.samples]
    chosen = select(samples, list(processes) if processes else None)
    settings = SampleSettings(
        run_seed,
        config.batch_size,
        config.run_number,
        config.detector_batch_size,
        config.detector,
        config.skims,
        layout,
    )
    manifest = resume.Recorder(
        output_dir,
        collect(
            {
                "samples": config.raw,
                "detector": config.detector,
                "seed": run_seed,
                "events": events,
                "format": layout,
            }
        ),
        force=force,
    )
    todo = []
    for sample in chosen:
        if not force and manifest.is_complete(str(sample.relative_path), _fingerprint(sample, settings)):
            log.info("%s: complete in %s, skipped", sample.key, manifest.manifest.path)
        else:
            todo.append(sample)
    _run_samples(todo, settings, output_dir, manifest, jobs=jobs, progress=progress)
    _pseudodata(samples, settings, config.pseudodata, lumis, manifest, force=force)
    manifest.save()
    return manifest.manifest


def _with_events(sample: Sample, events: int | None) -> Sample:
    if events is None:
        return sample
    ratio = sample.max_attempts / sample.events
    return replace(sample, events=events, max_attempts=max(events, int(round(ratio * events))))


def _fingerprint(sample: Sample, settings: SampleSettings) -> str:
    return resume.fingerprint(
        sample,
        settings.seed,
        settings.batch_size,
        settings.detector_batch_size,
        settings.run_number,
        settings.detector,
        settings.skims[sample.skim],
        *_layout_part(settings.layout),
        # files made when forced fakes replaced the real-only contribution are not reused
        *(("forced fakes add to the real-only contribution",) if sample.min_fakes else ()),
    )


def _layout_part(layout: str) -> tuple[str, ...]:
    # The 2020 layout adds nothing, so that files generated before the choice existed stay complete.
    return () if layout == "2020" else (f"layout={layout}",)


def _entry(sample: Sample, settings: SampleSettings, result: SampleOutput) -> FileEntry:
    return FileEntry(
        path=str(sample.relative_path),
        skim=sample.skim,
        process=sample.name,
        dsid=sample.dsid,
        kind=sample.kind,
        xsec_pb=result.xsec_pb,
        sigma_pythia_pb=result.sigma_pythia_pb,
        k_factor=sample.k_factor,
        fakes=sample.fakes,
        filter_efficiency=result.filter_efficiency,
        sum_weights=result.sum_weights,
        n_events=result.n_events,
        n_generated=result.n_generated,
        n_filtered=result.n_filtered,
        seed=settings.seed,
        pythia_seed=sample.pythia_seed(settings.seed),
        fingerprint=_fingerprint(sample, settings),
    )


def _run_samples(
    todo: list[Sample],
    settings: SampleSettings,
    output_dir: Path,
    manifest: resume.Recorder,
    *,
    jobs: int,
    progress: bool,
) -> None:
    bar = tqdm(
        total=sum(s.events for s in todo), unit="ev", desc="generate", disable=not progress or not todo
    )
    try:
        if jobs <= 1 or len(todo) <= 1:
            for sample in todo:
                bar.set_postfix_str(sample.key)
                result = generate_sample(sample, settings, output_dir, bar.update)
                manifest.record(_entry(sample, settings, result))
            return
        # Spawned workers: ROOT and Pythia must not be inherited through fork.
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(min(jobs, len(todo))) as pool:
            updates = manager.Queue()
            pending = {pool.apply_async(_worker, (s, settings, output_dir, updates)): s for s in todo}
            while pending:
                try:
                    bar.update(updates.get(timeout=0.2))
                except queue.Empty:
                    pass
                for handle in [h for h in pending if h.ready()]:
                    sample = pending.pop(handle)
                    manifest.record(_entry(sample, settings, handle.get()))
    finally:
        bar.close()


def _worker(sample: Sample, settings: SampleSettings, output_dir: Path, updates: Any) -> SampleOutput:
    return generate_sample(sample, settings, output_dir, updates.put)


def _pseudodata(
    samples: list[Sample],
    settings: SampleSettings,
    config: Pseudodata,
    lumis: list[float],
    manifest: resume.Recorder,
    *,
    force: bool,
) -> None:
    for skim in sorted({s.skim for s in samples}):
        members = [s for s in samples if s.skim == skim]
        paths = [str(s.relative_path) for s in members]
        entries = [manifest.manifest.entry(p) for p in paths]
        missing = [
            p
            for p, e in zip(paths, entries, strict=True)
            if e is None or not (manifest.directory / p).exists()
        ]
        if missing:
            log.info("pseudo-data for %s skipped: not all of its samples are generated", skim)
            continue
        inputs = sorted(str(e.fingerprint) for e in entries if e is not None)
        for lumi in lumis:
            relative = str(data_relative_path(skim, lumi))
            key = resume.fingerprint(
                inputs, lumi, config.seed_offset, config.run_number, *_layout_part(settings.layout)
            )
            if not force and manifest.is_complete(relative, key):
                continue
            data, nu = pseudodata.draw(
                [manifest.directory / p for p in paths],
                lumi,
                pseudodata.seed_for(settings.seed, config.seed_offset, skim, lumi),
                config.run_number,
            )
            ntuple.write(manifest.directory / relative, data, layout=settings.layout, is_data=True)
            manifest.record(
                FileEntry(
                    path=relative,
                    skim=skim,
                    process=f"data_{data_tag(lumi)}",
                    dsid=config.run_number,
                    kind="data",
                    lumi_fb=lumi,
                    expected_events=nu,
                    n_events=len(data),
                    seed=settings.seed,
                    fingerprint=key,
                )
            )
