"""Events per second of the C++ Rapidity-Mass Matrix (pybind11 binding) against a columnar numpy/awkward one.

Both start from the same flat object arrays + offsets (MeV, T4N5 layout) and produce the same float32 matrices
(checked before timing), in chunks of events as a columnar analysis would. Prints a table of medians over
repetitions and writes it to benchmarks/results/bench_rmm.{md,json} with the provenance of the run.

    .venv/bin/python benchmarks/bench_rmm.py [--events 200000] [--repetitions 5] [--no-progress]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable

import awkward as ak
import numpy as np
from higgshunt import native
from results_io import save_results
from tqdm import tqdm

log = logging.getLogger(__name__)

SLOTS = [5, 5, 5, 5]
SQRT_S = 13.0e6  # MeV
C = 0.15
CHUNK = 20_000

Events = dict[str, np.ndarray]


def generate(n_events: int, seed: int) -> Events:
    """Random MeV events: 0-8 objects of each of 4 types (some beyond the 5 slots), massive or massless."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 9, size=(n_events, len(SLOTS)))
    offsets = np.concatenate([[0], np.cumsum(counts.sum(axis=1))]).astype(np.int64)
    n_flat = int(offsets[-1])
    types = np.repeat(np.tile(np.arange(len(SLOTS)), n_events), counts.ravel()).astype(np.int32)
    pt = rng.exponential(40e3, n_flat) + 5e3
    eta = rng.uniform(-4.0, 4.0, n_flat)
    mass = np.where(rng.random(n_flat) < 0.5, 0.0, rng.uniform(0.0, 30e3, n_flat))
    return {
        "pt": pt.astype(np.float32),
        "eta": eta.astype(np.float32),
        "phi": rng.uniform(-np.pi, np.pi, n_flat).astype(np.float32),
        "e": np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2).astype(np.float32),
        "type": types,
        "offsets": offsets,
        "met": rng.exponential(40e3, n_events).astype(np.float32),
        "met_phi": rng.uniform(-np.pi, np.pi, n_events).astype(np.float32),
    }


def chunk(ev: Events, start: int, stop: int) -> Events:
    b, e = ev["offsets"][start], ev["offsets"][stop]
    flat = {k: ev[k][b:e] for k in ("pt", "eta", "phi", "e", "type")}
    return {
        **flat,
        "offsets": ev["offsets"][start : stop + 1] - b,
        "met": ev["met"][start:stop],
        "met_phi": ev["met_phi"][start:stop],
    }


def pybind_rmm(ev: Events) -> np.ndarray:
    return native.core().rmm(
        ev["pt"],
        ev["eta"],
        ev["phi"],
        ev["e"],
        ev["type"],
        ev["offsets"],
        ev["met"],
        ev["met_phi"],
        SLOTS,
        sqrt_s=SQRT_S,
        c=C,
    )


def columnar_rmm(ev: Events) -> np.ndarray:
    """The same matrices with awkward (sorting, slot selection) and numpy broadcasting (cells). Inputs are
    taken as valid (the generated events have no NaN): there is no per-event invalid-value handling here."""
    counts = np.diff(ev["offsets"])
    objects = ak.zip({k: ak.unflatten(ev[k], counts) for k in ("pt", "eta", "phi", "e", "type")})
    blocks = []
    for t, n_slots in enumerate(SLOTS):
        of_type = objects[objects["type"] == t]
        of_type = of_type[ak.argsort(of_type.pt, ascending=False, stable=True)]
        blocks.append(ak.pad_none(of_type, n_slots, clip=True))
    slots = ak.concatenate(blocks, axis=1)
    valid = ~ak.to_numpy(ak.is_none(slots, axis=1))
    pt, eta, phi, e = (
        ak.to_numpy(ak.fill_none(slots[k], 0.0)).astype(np.float64) for k in ("pt", "eta", "phi", "e")
    )

    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    et = np.where(pt > 0, e / np.cosh(eta), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(e > np.abs(pz), 0.5 * np.log((e + pz) / (e - pz)), eta)
    met, met_phi = ev["met"].astype(np.float64)[:, None], ev["met_phi"].astype(np.float64)[:, None]
    n_events, n_slots = pt.shape
    size = n_slots + 1
    matrix = np.zeros((n_events, size, size))
    matrix[:, 0, 0] = met[:, 0] / SQRT_S
    mt2 = (et + met) ** 2 - (px + met * np.cos(met_phi)) ** 2 - (py + met * np.sin(met_phi)) ** 2
    matrix[:, 0, 1:] = np.where(valid & (met > 0), np.sqrt(np.maximum(mt2, 0.0)) / SQRT_S, 0.0)
    matrix[:, 1:, 0] = np.where(valid, C * (np.cosh(y) - 1.0), 0.0)

    leading = np.zeros(n_slots, dtype=bool)
    leading[np.cumsum([0, *SLOTS[:-1]])] = True
    previous = np.roll(et, 1, axis=1)
    total = previous + et
    with np.errstate(divide="ignore", invalid="ignore"):
        imbalance = np.where(total > 0, (previous - et) / total, 0.0)
    diagonal = np.where(leading, et / SQRT_S, imbalance)

    pair = lambda a: a[:, :, None] + a[:, None, :]  # noqa: E731
    m2 = pair(e) ** 2 - pair(px) ** 2 - pair(py) ** 2 - pair(pz) ** 2
    mass = np.sqrt(np.maximum(m2, 0.0)) / SQRT_S
    h = C * (np.cosh(0.5 * (y[:, :, None] - y[:, None, :])) - 1.0)
    upper = np.triu(np.ones((n_slots, n_slots), dtype=bool), k=1)
    cells = np.where(upper, mass, h)
    cells[:, np.arange(n_slots), np.arange(n_slots)] = diagonal
    matrix[:, 1:, 1:] = np.where(valid[:, :, None] & valid[:, None, :], cells, 0.0)
    return matrix.reshape(n_events, size * size).astype(np.float32)


def in_chunks(function: Callable[[Events], np.ndarray], ev: Events) -> None:
    n_events = len(ev["met"])
    for start in range(0, n_events, CHUNK):
        function(chunk(ev, start, min(start + CHUNK, n_events)))


def measure(
    function: Callable[[Events], np.ndarray], ev: Events, repetitions: int, progress: bool, label: str
) -> list[float]:
    times = []
    for _ in tqdm(range(repetitions), desc=label, disable=not progress, leave=False):
        start = time.perf_counter()
        in_chunks(function, ev)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    ev = generate(args.events, args.seed)
    check = chunk(ev, 0, min(CHUNK, args.events))
    np.testing.assert_allclose(pybind_rmm(check), columnar_rmm(check), rtol=1e-5, atol=1e-9)
    log.info("pybind11 and columnar matrices agree on %d events", len(check["met"]))

    progress = not args.no_progress
    timings = {
        "columnar numpy/awkward": measure(columnar_rmm, ev, args.repetitions, progress, "columnar"),
        "pybind11 RMMBuilder (C++)": measure(pybind_rmm, ev, args.repetitions, progress, "pybind11"),
    }
    baseline = statistics.median(timings["columnar numpy/awkward"])
    rows = []
    for name, times in timings.items():
        median = statistics.median(times)
        rows.append(
            {
                "implementation": name,
                "median_s": median,
                "events_per_s": args.events / median,
                "speedup_vs_columnar": baseline / median,
                "repetitions": times,
            }
        )
    lines = [
        f"# RMM T4N5: {args.events} events, chunks of {CHUNK}, median of {args.repetitions} repetitions,"
        " 1 thread",
        "",
        "| implementation | median [s] | events/s | speed-up vs columnar |",
        "|---|---:|---:|---:|",
        *(
            f"| {r['implementation']} | {r['median_s']:.3f} | {r['events_per_s']:,.0f} | "
            f"{r['speedup_vs_columnar']:.1f}x |"
            for r in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)

    config = {
        "events": args.events,
        "repetitions": args.repetitions,
        "seed": args.seed,
        "slots": SLOTS,
        "sqrt_s": SQRT_S,
        "c": C,
        "chunk": CHUNK,
    }
    save_results("bench_rmm", table, {"results": rows}, config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
