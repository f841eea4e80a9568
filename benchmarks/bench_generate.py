"""Generated events per second per core per process, and each stage's cost against Pythia's own `next()`.

For each process the same number of events is produced in five ways, side by side, round-robin over
repetitions: Pythia's bare `next()` loop (the baseline: what the generator itself costs), `nextBatch`
(generation plus the conversion to awkward arrays), the generator filter and truth reduction, the detector
response (objects, isolation, impact parameters, anti-kt jets, missing E_T) on the filtered events, and
writing the skimmed events with PyROOT. Prints and saves a table of medians with each stage's time relative to
the `next()` baseline, to benchmarks/results/bench_generate.{md,json} with the provenance of the run. One
process, one core.

    .venv/bin/python benchmarks/bench_generate.py [--events 2000] [--repetitions 3] [--no-progress]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from higgshunt.generation import detector, load_config, ntuple
from higgshunt.generation.pythia_events import PythiaSource
from higgshunt.generation.sample import SampleSettings, _reconstruct
from results_io import save_results
from tqdm import tqdm

log = logging.getLogger(__name__)

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "samples.yaml"
PROCESSES = (
    "4lep/ggH125_ZZ4lep",
    "4lep/llll",
    "4lep/ttbar_lep",
    "GamGam/ggH125_gamgam",
    "3lep/lllv",
    "3lep/WR2000_NR300_3lep",
)
STAGES = ("pythia next()", "nextBatch", "filter + truth", "detector response", "skim + write")


def measure(sample: Any, settings: SampleSettings, events: int, seed: int, workdir: Path) -> dict[str, float]:
    """Seconds spent in each stage for `events` generated events of one sample."""
    times: dict[str, float] = {}
    source = PythiaSource(sample, seed)
    start = time.perf_counter()
    source.next_events(events)
    times["pythia next()"] = time.perf_counter() - start

    source = PythiaSource(sample, seed)
    start = time.perf_counter()
    raw = source.raw_batch(events)
    times["nextBatch"] = time.perf_counter() - start

    start = time.perf_counter()
    batch = source.reduce(raw)
    times["filter + truth"] = time.perf_counter() - start

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    detector.simulate(batch, settings.detector, rng)
    times["detector response"] = time.perf_counter() - start

    rng = np.random.default_rng(seed)
    columns = _reconstruct(
        batch, np.arange(len(batch)) + 1, sample, settings, settings.skims[sample.skim], rng
    )
    start = time.perf_counter()
    ntuple.write(workdir / "bench.root", columns)
    times["skim + write"] = time.perf_counter() - start
    times["filtered events"] = float(len(batch))
    times["written events"] = float(len(columns))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000, help="generated events per process and run")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    config = load_config(CONFIG)
    settings = SampleSettings(1, args.events, 284500, args.events, config.detector, config.raw["skims"])
    samples = [next(s for s in config.samples if s.key == key) for key in PROCESSES]
    runs: dict[str, list[dict[str, float]]] = {s.key: [] for s in samples}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(rep, s) for rep in range(args.repetitions) for s in samples]  # round-robin over processes
        for rep, sample in tqdm(jobs, desc="bench_generate", disable=args.no_progress):
            runs[sample.key].append(measure(sample, settings, args.events, 100 + rep, Path(tmp)))

    rows = []
    for key, measurements in runs.items():
        median = {name: statistics.median(m[name] for m in measurements) for name in measurements[0]}
        base = median["pythia next()"]
        response = median["filter + truth"] + median["detector response"]
        rows.append(
            {
                "process": key,
                "events": args.events,
                "filtered": median["filtered events"],
                "written": median["written events"],
                **{f"{stage} [s]": median[stage] for stage in STAGES},
                **{f"{stage} / next()": median[stage] / base for stage in STAGES},
                "generated events/s/core (all stages)": args.events
                / sum(median[stage] for stage in STAGES[1:]),
                "response / next()": response / base,
            }
        )
    write_results(rows, args)


def write_results(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    lines = [
        f"# Built-in sample generation: {args.events} generated events per process, "
        f"median of {args.repetitions} repetitions, 1 core",
        "",
        f"Machine: {os.cpu_count()} cores, 1-minute load average {load:.1f} at the end of the run; with "
        "other work running, absolute timings are noisy and the ratios are the more robust numbers.",
        "Baseline: Pythia's own `next()` loop for the same events. `response` = filter + truth reduction + "
        "detector response (the work added on top of generation).",
        "",
        "| process | filtered | written | next() [s] | nextBatch / next() | filter+truth / next() "
        "| detector / next() | write / next() | response / next() | events/s/core |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['process']} | {r['filtered']:.0f} | {r['written']:.0f} | {r['pythia next() [s]']:.3f} "
            f"| {r['nextBatch / next()']:.2f} | {r['filter + truth / next()']:.2f} "
            f"| {r['detector response / next()']:.2f} | {r['skim + write / next()']:.2f} "
            f"| {r['response / next()']:.2f} | {r['generated events/s/core (all stages)']:.0f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    save_results("bench_generate", text, {"rows": rows, "load_average": load}, vars(args))


if __name__ == "__main__":
    main()
