"""Benchmark: scoring events inside the RDataFrame event loop (C++ higgshunt::Model) against the Python
route.

Models: a 24-60-60-1 network (Normalization + relu + sigmoid, as the lab-course competitor) and a 500-tree BDT
of depth up to 6 (XGBoost, binary:logistic). Events: RDataFrame(N) with 24 generated float columns.

Routes, each timed from graph construction to the filled score histogram, on one core (ROOT without implicit
MT, TensorFlow with one thread, XGBoost with nthread=1). Rates are events per CPU second of the process
(events/s/core; the machine is shared, so CPU time is steadier than wall time, which is reported too):
  in-loop   Define("score", higgshunt::Model ...) + Histo1D: one event loop, no Python per event.
  python    AsNumpy(features) -> Keras predict / XGBoost predict -> scores back into RDataFrame through
            RDF.FromNumpy (the order is kept: single-threaded, same entries) -> Histo1D.
  generate  the same graph without any score (the cost of producing the 24 columns); subtracting it from the
            in-loop time gives the rate of the scoring alone.
Also the batch kernels on in-memory arrays: Model.evaluate (pybind11) against Keras predict / XGBoost
predict.

Run: `nice .venv/bin/python benchmarks/bench_inference.py [--events N] [--repeats R]`; the table is printed
and saved to benchmarks/results/bench_inference.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from results_io import save_results

N_FEATURES = 24
FEATURES = [f"x{i}" for i in range(N_FEATURES)]


def write_trained(directory: Path, kind: str, backend: str, files: list[str]) -> Path:
    manifest = {
        "format": "higgshunt-trained",
        "version": 1,
        "kind": kind,
        "backend": backend,
        "features": FEATURES,
        "n_folds": len(files),
        "fold_rule": "eventNumber % n_folds",
        "score": "probability",
        "files": files,
        "provenance": {"benchmark": True},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def training_events(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 100.0, size=(n, N_FEATURES)).astype(np.float32)
    label = (x[:, :6].sum(axis=1) + rng.normal(0, 40, n) > 300).astype(np.float32)
    return x, label


def make_network(directory: Path) -> Path:
    import keras

    keras.utils.set_random_seed(1)
    x, _ = training_events(5000, 1)
    norm = keras.layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential(
        [
            keras.Input((N_FEATURES,)),
            norm,
            keras.layers.Dense(60, activation="relu"),
            keras.layers.Dense(60, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    directory.mkdir()
    model.save(directory / "fold0.keras")
    return write_trained(directory, "dnn", "keras", ["fold0.keras"])


def make_bdt(directory: Path) -> Path:
    import xgboost as xgb

    x, label = training_events(20000, 2)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 1, "seed": 2},
        xgb.DMatrix(x, label=label),
        num_boost_round=500,
    )
    directory.mkdir()
    booster.save_model(str(directory / "fold0.json"))
    return write_trained(directory, "bdt", "xgboost", ["fold0.json"])


def generated_frame(n: int):
    """RDataFrame(n) with 24 float columns in [0, 100) from an integer hash of the entry."""
    import ROOT

    df = ROOT.RDataFrame(n).Define("eventNumber", "(Long64_t)rdfentry_")
    for i, name in enumerate(FEATURES):
        df = df.Define(
            name, f"float(((rdfentry_ + 1) * 2654435761ULL * {2 * i + 1}ULL >> 7) % 100000ULL) * 1e-3f"
        )
    return df


def in_loop(model_dir: Path, n: int) -> float:
    import ROOT
    from higgshunt.inference import define_score

    df = define_score(generated_frame(n), model_dir)
    hist = df.Histo1D(ROOT.RDF.TH1DModel("score", "", 100, 0.0, 1.0), "score")
    return float(hist.GetEntries())


def generate_only(n: int) -> float:
    import ROOT

    df = generated_frame(n).Define("score", "(" + " + ".join(FEATURES) + ") * 1e-5f")  # reads every column
    hist = df.Histo1D(ROOT.RDF.TH1DModel("score", "", 100, 0.0, 1.0), "score")
    return float(hist.GetEntries())


def python_route(predict: Callable[[np.ndarray], np.ndarray], n: int) -> float:
    import ROOT

    columns = generated_frame(n).AsNumpy(FEATURES)
    x = np.stack([columns[name] for name in FEATURES], axis=1)
    scores = predict(x).astype(np.float64).ravel()
    df = ROOT.RDF.FromNumpy({"score": scores})
    hist = df.Histo1D(ROOT.RDF.TH1DModel("score", "", 100, 0.0, 1.0), "score")
    return float(hist.GetEntries())


def timed(function: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of `repeats` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        function()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


Row = tuple[str, str, int, float, float, str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events for the network (BDT: a quarter)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras
    import ROOT
    import tensorflow as tf
    import xgboost as xgb
    from higgshunt import native
    from higgshunt.inference import exported_model

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    ROOT.DisableImplicitMT()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        network_dir, bdt_dir = make_network(Path(tmp) / "dnn"), make_bdt(Path(tmp) / "bdt")
        network_file, bdt_file = exported_model(network_dir), exported_model(bdt_dir)
        network = keras.saving.load_model(network_dir / "fold0.keras")
        booster = xgb.Booster(model_file=str(bdt_dir / "fold0.json"))
        booster.set_param({"nthread": 1})
        keras_predict = lambda x: network.predict(x, batch_size=8192, verbose=0)  # noqa: E731
        xgb_predict = lambda x: booster.predict(xgb.DMatrix(x))  # noqa: E731
        native.load_into_root()
        for label, model_dir, predict, n in (
            ("24-60-60-1 network", network_dir, keras_predict, args.events),
            ("500-tree BDT", bdt_dir, xgb_predict, args.events // 4),
        ):
            in_loop(model_dir, 1000)  # JIT of the library headers and of the expressions, once per process
            python_route(predict, 1000)
            generate_only(1000)
            generate = timed(lambda n=n: generate_only(n), args.repeats)
            loop = timed(lambda n=n, d=model_dir: in_loop(d, n), args.repeats)
            python = timed(lambda n=n, p=predict: python_route(p, n), args.repeats)
            scoring = loop[0] - generate[0]
            rows += [
                (label, "in-loop C++ (Define + Histo1D)", n, *loop, f"{python[0] / loop[0]:.1f}x"),
                (label, "python route (AsNumpy -> predict -> FromNumpy)", n, *python, "1.0x"),
                (label, "generate columns only (no score)", n, *generate, "-"),
                (
                    label,
                    "in-loop scoring alone (in-loop - generate)",
                    n,
                    scoring,
                    float("nan"),
                    f"{(python[0] - generate[0]) / scoring:.1f}x (python route - generate)",
                ),
            ]
            print(
                f"{label}: loop {loop[0]:.2f}s python {python[0]:.2f}s generate {generate[0]:.2f}s (CPU)",
                file=sys.stderr,
            )
        x = np.stack(
            [np.random.default_rng(3).uniform(0, 100, args.events).astype(np.float32) for _ in FEATURES],
            axis=1,
        )
        core = native.core()
        for label, file, predict, n in (
            ("24-60-60-1 network", network_file, keras_predict, args.events),
            ("500-tree BDT", bdt_file, xgb_predict, args.events // 4),
        ):
            model = core.Model(str(file))
            ours = timed(lambda m=model, n=n: m.evaluate_fold(0, x[:n]), args.repeats)
            theirs = timed(lambda p=predict, n=n: p(x[:n]), args.repeats)
            rows += [
                (
                    label,
                    "batch kernel: higgshunt Model.evaluate (numpy)",
                    n,
                    *ours,
                    f"{theirs[0] / ours[0]:.1f}x",
                ),
                (label, "batch kernel: Keras/XGBoost predict (numpy)", n, *theirs, "1.0x"),
            ]
    save(rows, args)
    return 0


def save(rows: list[Row], args: argparse.Namespace) -> None:
    import platform

    header = (
        "| model | route | events | CPU time [s] | wall time [s] | events/s/core | ratio to python route |\n"
        "|---|---|---:|---:|---:|---:|---|"
    )
    lines = [
        f"| {m} | {r} | {n:,} | {cpu:.3f} | {wall:.3f} | {n / cpu / 1e6:.3f} M | {ratio} |"
        for m, r, n, cpu, wall, ratio in rows
    ]
    table = "\n".join([header, *lines])
    print(table)
    context = (
        f"One core (ROOT implicit MT off, TensorFlow 1 thread, XGBoost nthread=1), medians of {args.repeats} "
        f"runs, {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs; times include building "
        "the graph and running its event loop (expressions JIT-compiled once beforehand)."
    )
    keys = ("model", "route", "events", "cpu_s", "wall_s", "ratio")
    save_results(
        "bench_inference",
        "# bench_inference\n\n" + context + "\n\n" + table,
        {"context": context, "rows": [dict(zip(keys, r, strict=True)) for r in rows]},
        vars(args),
    )


if __name__ == "__main__":
    sys.exit(main())
