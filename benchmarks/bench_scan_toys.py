"""Cost of one background-only toy of the mass scan's look-elsewhere correction, against the previous toys.

One toy = a background-only fit, then a signal + background fit at each of 21 masses (60 bins, 100-160 GeV,
exppoly2 background, Gaussian signal of fixed width). Three ways, round-robin over repetitions, on the same
toys: Migrad strategy 1 with Hesse (how the observed data are scanned), strategy 1 without Hesse on the mass
fits (the previous toys: the baseline), and strategy 0 without Hesse (the toys now). Also the largest
difference of q0 between the baseline and strategy 0. Saves benchmarks/results/bench_scan_toys.{md,json}.

    .venv/bin/python benchmarks/bench_scan_toys.py [--toys 3] [--repetitions 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from higgshunt.fit import likelihood as lk
from higgshunt.fit.models import binned_data, build
from higgshunt.fit.spectrum import Spectrum
from results_io import save_results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fit"))
from fit_toys import expected_counts  # noqa: E402

EDGES = np.linspace(100.0, 160.0, 61)
MASSES = np.arange(110.0, 150.1, 2.0)
WAYS = {
    "strategy 1 + Hesse (data scan)": (1, True),
    "strategy 1, no Hesse (previous toys, baseline)": (1, False),
    "strategy 0, no Hesse (toys now)": (0, False),
}


def scan(model: Any, data: Any, strategy: int, hesse: bool) -> np.ndarray:
    """q0 at every mass, as fit/scan.py computes it, with the given Migrad strategy and Hesse switch."""
    nll = lk.create_nll(model, data)
    background = lk.fit_background_only(model, nll, "b", hesse=hesse, strategy=strategy)
    start = lk.snapshot(model)
    q0s = []
    for mass in MASSES:
        lk.restore(model, start)
        model.mass.setVal(float(mass))
        model.mass.setConstant(True)
        fit = lk.minimize(nll, "s+b", hesse=hesse, strategy=strategy)
        q0s.append(lk.q0(background.nll, fit.nll, model.n_signal.getVal()))
    lk.restore(model, start)
    return np.array(q0s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toys", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=2)
    args = parser.parse_args()
    expected = expected_counts(EDGES, n_background=5000.0, slope=-0.03)
    rng = np.random.default_rng(1)
    spectrum = Spectrum("toy", EDGES, rng.poisson(expected).astype(float), "m")
    with lk.quiet_roofit():
        model = build(
            spectrum,
            "gauss",
            "exppoly2",
            mass=125.0,
            mass_window=(100.0, 160.0),
            width=2.0,
            width_range=(1, 3),
        )
        model.width.setConstant(True)
        toys = [
            binned_data(EDGES, rng.poisson(expected).astype(float), model.x, f"toy{i}")
            for i in range(args.toys)
        ]
        scan(model, toys[0][0], 1, False)  # warm-up: JIT and caches
        seconds: dict[str, list[float]] = {way: [] for way in WAYS}
        q0s: dict[str, list[np.ndarray]] = {way: [] for way in WAYS}
        for _ in range(args.repetitions):
            for way, (strategy, hesse) in WAYS.items():
                start = time.perf_counter()
                q0s[way] = [scan(model, data, strategy, hesse) for data, _ in toys]
                seconds[way].append((time.perf_counter() - start) / len(toys))
    baseline_name = "strategy 1, no Hesse (previous toys, baseline)"
    baseline = statistics.median(seconds[baseline_name])
    difference = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(q0s[baseline_name], q0s["strategy 0, no Hesse (toys now)"], strict=True)
    )
    lines = [
        f"# One toy of the mass scan: background-only fit + {len(MASSES)} masses, 60 bins, exppoly2",
        "",
        f"{args.toys} toys x {args.repetitions} repetitions (medians), one process, shared 2-core machine.",
        "",
        "| toy fits | s per toy | relative to the baseline |",
        "|---|---|---|",
    ]
    for way in WAYS:
        median = statistics.median(seconds[way])
        lines.append(f"| {way} | {median:.2f} | {median / baseline:.2f} |")
    lines += ["", f"Largest |q0(strategy 0) - q0(baseline)| over the toys and masses: {difference:.2e}"]
    markdown = "\n".join(lines)
    print(markdown)
    record = {"seconds_per_toy": seconds, "max_q0_difference": difference, "masses": MASSES.tolist()}
    save_results("bench_scan_toys", markdown, record, vars(args))


if __name__ == "__main__":
    main()
