"""Events per second of the C++ kinematics helpers (pybind11) against numpy, numpy + vector, awkward + vector.

Two computations on the same random jagged events (2-6 objects per event, MeV, float32 flat arrays + int64
offsets): the invariant mass of all objects of each event, and the masses of all object pairs. Every
implementation starts from the flat arrays and ends with numpy results, which are checked against each other
before timing. Prints a table of medians over repetitions (taken round-robin over the implementations), with
each implementation's time relative to the pybind11 one, and writes it to
benchmarks/results/bench_helpers.{md,json} with the provenance of the run. Single thread (the pybind11 loop
runs on one core; numpy and awkward are single-threaded here too).

    .venv/bin/python benchmarks/bench_helpers.py [--events 1000000] [--repetitions 7] [--no-progress]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np
import vector
from higgshunt import native
from results_io import save_results
from tqdm import tqdm

log = logging.getLogger(__name__)


@dataclass
class Events:
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    e: np.ndarray
    offsets: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def momenta(self) -> tuple[np.ndarray, ...]:
        return self.pt, self.eta, self.phi, self.e, self.offsets


def generate(n_events: int, seed: int) -> Events:
    """2-6 leptons per event: pt 5-200 GeV, |eta| < 2.7, masses up to 106 MeV (MeV, float32)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 7, n_events)
    n = int(counts.sum())
    pt = rng.uniform(5e3, 2e5, n)
    eta = rng.uniform(-2.7, 2.7, n)
    mass = rng.uniform(0.0, 106.0, n)
    return Events(
        pt=pt.astype(np.float32),
        eta=eta.astype(np.float32),
        phi=rng.uniform(-np.pi, np.pi, n).astype(np.float32),
        e=np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2).astype(np.float32),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )


def signed_mass(px: np.ndarray, py: np.ndarray, pz: np.ndarray, e: np.ndarray) -> np.ndarray:
    m2 = e**2 - px**2 - py**2 - pz**2
    return np.copysign(np.sqrt(np.abs(m2)), m2)


def cartesian(ev: Events) -> tuple[np.ndarray, ...]:
    pt, eta, phi = (x.astype(np.float64) for x in (ev.pt, ev.eta, ev.phi))
    return pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), ev.e.astype(np.float64)


def as_vectors(ev: Events) -> ak.Array:
    return vector.zip(
        {
            k: ak.unflatten(getattr(ev, a).astype(np.float64), ev.counts)
            for k, a in (("pt", "pt"), ("eta", "eta"), ("phi", "phi"), ("E", "e"))
        }
    )


# ---- invariant mass of all objects per event -----------------------------------------------------


def mass_pybind(ev: Events) -> np.ndarray:
    return native.core().invariant_mass(*ev.momenta())


def mass_numpy(ev: Events) -> np.ndarray:
    event = np.repeat(np.arange(ev.counts.size), ev.counts)
    sums = [np.bincount(event, weights=c, minlength=ev.counts.size) for c in cartesian(ev)]
    return signed_mass(*sums)


def mass_numpy_vector(ev: Events) -> np.ndarray:
    flat = vector.array(
        {
            k: getattr(ev, a).astype(np.float64)
            for k, a in (("pt", "pt"), ("eta", "eta"), ("phi", "phi"), ("E", "e"))
        }
    )
    event = np.repeat(np.arange(ev.counts.size), ev.counts)
    sums = {
        k: np.bincount(event, weights=getattr(flat, k), minlength=ev.counts.size)
        for k in ("px", "py", "pz", "E")
    }
    total: Any = vector.array(sums)  # vector has no type stubs for its numpy backend
    return np.asarray(total.mass)


def mass_awkward_vector(ev: Events) -> np.ndarray:
    return ak.to_numpy(ak.sum(as_vectors(ev), axis=1).mass)


# ---- masses of all pairs (i < j) per event -------------------------------------------------------


def pairs_pybind(ev: Events) -> np.ndarray:
    return native.core().pair_masses(*ev.momenta())[0]


def pairs_numpy(ev: Events) -> np.ndarray:
    """Broadcast over the events of each multiplicity k with numpy's upper-triangle pair indices."""
    components = cartesian(ev)
    counts = ev.counts
    n_pairs = counts * (counts - 1) // 2
    pair_offsets = np.concatenate([[0], np.cumsum(n_pairs)])
    out = np.empty(int(pair_offsets[-1]))
    for k in np.unique(counts[counts >= 2]):
        events = np.flatnonzero(counts == k)
        i, j = np.triu_indices(k, 1)
        first, second = ev.offsets[events][:, None] + i, ev.offsets[events][:, None] + j
        masses = signed_mass(*(c[first] + c[second] for c in components))
        out[pair_offsets[events][:, None] + np.arange(i.size)] = masses
    return out


def pairs_awkward_vector(ev: Events) -> np.ndarray:
    first, second = ak.unzip(ak.combinations(as_vectors(ev), 2))
    return ak.to_numpy(ak.flatten((first + second).mass))


COMPUTATIONS: dict[str, dict[str, Callable[[Events], np.ndarray]]] = {
    "invariant mass of all objects": {
        "pybind11 (C++)": mass_pybind,
        "numpy": mass_numpy,
        "numpy + vector": mass_numpy_vector,
        "awkward + vector": mass_awkward_vector,
    },
    "pair masses": {
        "pybind11 (C++)": pairs_pybind,
        "numpy": pairs_numpy,
        "awkward + vector": pairs_awkward_vector,
    },
}


def measure(
    implementations: dict[str, Callable[[Events], np.ndarray]],
    ev: Events,
    repetitions: int,
    progress: bool,
    label: str,
) -> dict[str, list[float]]:
    """Seconds per call of each implementation. Repetitions go round-robin over the implementations, so that a
    burst of load from other processes hits all of them rather than one."""
    times: dict[str, list[float]] = {name: [] for name in implementations}
    for _ in tqdm(range(repetitions), desc=label, disable=not progress, leave=False):
        for name, function in implementations.items():
            start = time.perf_counter()
            function(ev)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    ev = generate(args.events, args.seed)
    check = generate(20_000, args.seed + 1)
    for computation, implementations in COMPUTATIONS.items():
        reference = implementations["pybind11 (C++)"](check)
        for name, function in implementations.items():
            np.testing.assert_allclose(function(check), reference, rtol=1e-5, atol=0.05, err_msg=name)
        log.info("%s: all implementations agree on %d events", computation, check.counts.size)

    rows = []
    for computation, implementations in COMPUTATIONS.items():
        timings = measure(implementations, ev, args.repetitions, not args.no_progress, computation)
        pybind = statistics.median(timings["pybind11 (C++)"])
        for name, times in timings.items():
            median = statistics.median(times)
            rows.append(
                {
                    "computation": computation,
                    "implementation": name,
                    "median_s": median,
                    "events_per_s": args.events / median,
                    "time_vs_pybind11": median / pybind,
                    "repetitions_s": times,
                }
            )
    load = os.getloadavg()[0]
    lines = [
        f"# Kinematics helpers: {args.events:,} events (2-6 objects each), median of {args.repetitions}"
        " repetitions, 1 thread",
        "",
        f"Machine: {os.cpu_count()} cores, 1-minute load average {load:.1f} at the end of the run; with other"
        " work running, absolute timings are noisy and the ratios are the more robust numbers.",
        "",
        "| computation | implementation | median [s] | events/s | time / pybind11 time |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {r['computation']} | {r['implementation']} | {r['median_s']:.3f} | "
            f"{r['events_per_s']:,.0f} | "
            f"{r['time_vs_pybind11']:.1f}x |"
            for r in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)

    config = {
        "events": args.events,
        "repetitions": args.repetitions,
        "seed": args.seed,
        "objects_per_event": [2, 6],
    }
    save_results("bench_helpers", table, {"results": rows, "load_average_1min": load}, config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
