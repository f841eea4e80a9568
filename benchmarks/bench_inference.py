"""Benchmark: scoring events inside the RDataFrame event loop (C++ higgshunt::Model) against the Python route.

Models: a 24-60-60-1 network (Normalization + relu + sigmoid, as the lab-course competitor) and a 500-tree BDT
of depth up to 6 (XGBoost, binary:logistic).

Events: N events with runNumber, eventNumber, a mass m4l and 24 float features, stored as the analysis stores
them: a ROOT file (TTree written by RDataFrame Snapshot, ROOT's default compression) and the skim's HDF5 table
(written by higgshunt.artifacts.skim_table: pandas/PyTables, blosc level 5, rows in another order than the
ROOT file); the ROOT file is also converted to RNTuple (Snapshot with the RNTuple output format), ROOT's
columnar successor of TTree, and both are written once more with the 24 features in one array column (RVecF
`features`, scored with feature_columns={"x0": "features[0]", ...}): RDataFrame pays per column read per
event, so these rows show how much of the in-loop time is reading and what the skim's storage could gain.

Routes, each timed from the stored events to two filled histograms (the score, and m4l for score > 0.5), on
one core (ROOT implicit MT off, TensorFlow one thread, XGBoost nthread=1, blosc one thread). Rates are events
per CPU second of the process (events/s/core; the machine is shared, so CPU time is steadier than wall time,
which is reported too):
  in-loop       RDataFrame over the ROOT file (each layout): Define("score", higgshunt::Model ...) + the two
                Histo1D, one loop (the node-array evaluator: HIGGSHUNT_COMPILED=0).
  trees as code the same for the BDT with its trees compiled as code (inference.tree_codegen, default flat
                form; compiled once per run into a fresh compile cache, the compile time is reported).
  python route  the HDF5 table read with pandas -> Keras predict / XGBoost predict in large batches -> scores
                joined back to the events of the ROOT file (uproot) by (runNumber, eventNumber) with a pandas
                merge -> numpy histograms.
  read only     the in-loop graph with a trivial score reading the same columns: the cost of the event loop
                itself; in-loop minus read-only is the scoring alone.
The python route is also split into its stages (read HDF5, predict, read events + join, histograms).
Both routes must fill the same histograms; the benchmark checks it.

Also the batch kernels on in-memory arrays: Model.evaluate_fold (pybind11) against Keras predict / XGBoost
predict, the floor of any route that evaluates the model; for the BDT also the trees as code in both code
forms (flat and if/else, through ctypes) and, as the compiled anchor, the same trees compiled by TL2cgen
(skipped, with the reason printed, when tl2cgen and treelite are not importable).

Run: `nice .venv/bin/python benchmarks/bench_inference.py [--events N] [--repeats R]`; the table is printed
and saved to benchmarks/results/bench_inference.{md,json}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from results_io import save_results

N_FEATURES = 24
FEATURES = [f"x{i}" for i in range(N_FEATURES)]
SAMPLE = "events"
SCORE_BINS, MASS_BINS, MASS_RANGE, SCORE_CUT = 100, 45, (80.0, 170.0), 0.5

# Route names of the table rows; {} is the storage (TTree or RNTuple).
PYTHON = "python route: HDF5 -> predict -> merge -> np.histogram"
IN_LOOP = "in-loop C++: {} -> Define score -> 2 Histo1D"
IN_LOOP_CODE = "in-loop C++, trees as code: {} -> Define score -> 2 Histo1D"
SCORING_CODE = "in-loop scoring alone, trees as code ({}: in-loop - read only)"
READ_ONLY = "in-loop read only ({}, trivial score)"
SCORING = "in-loop scoring alone ({}: in-loop - read only)"
STAGE = "python route stage: {}"

Predict = Callable[[np.ndarray], np.ndarray]
Histograms = tuple[np.ndarray, np.ndarray]


def write_trained(directory: Path, kind: str, backend: str, model: Any) -> Path:
    """A one-fold trained-model directory as `higgshunt train` writes it."""
    from higgshunt.artifacts import trained_model

    trained_model.save(
        directory, kind=kind, backend=backend, features=FEATURES, models=[model], derived={},
        provenance={"benchmark": True}, settings={},
    )  # fmt: skip
    return directory


def features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features in [0, 100) and a label that depends on six of them."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 100.0, size=(n, N_FEATURES)).astype(np.float32)
    label = (x[:, :6].sum(axis=1) + rng.normal(0, 40, n) > 300).astype(np.float32)
    return x, label


def make_network(directory: Path) -> Path:
    import keras

    keras.utils.set_random_seed(1)
    x, _ = features(5000, 1)
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
    return write_trained(directory, "dnn", "keras", model)


def make_bdt(directory: Path) -> Path:
    import xgboost as xgb

    x, label = features(20000, 2)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 1, "seed": 2},
        xgb.DMatrix(x, label=label),
        num_boost_round=500,
    )
    return write_trained(directory, "bdt", "xgboost", booster)


# ROOT layouts of the events: TTree or RNTuple, with the features as 24 scalar columns or as one array column.
STORAGES = ("TTree", "RNTuple", "TTree, features in 1 array", "RNTuple, features in 1 array")
ARRAY = "features"


def write_events(directory: Path, n: int, seed: int) -> tuple[dict[str, Path], Path]:
    """The same n events in each ROOT layout of STORAGES (tree or RNTuple `events`) and as the skim's HDF5
    table; returns {storage: path} and the HDF5 path."""
    import ROOT
    from higgshunt.artifacts import skim_table

    rng = np.random.default_rng(seed)
    x, _ = features(n, seed)
    ids = {
        "runNumber": rng.integers(300000, 300010, n).astype(np.int64),
        "eventNumber": rng.permutation(n).astype(np.int64) * 7 + 1,  # unique, not in file order
    }
    columns = ids | {"m4l": rng.uniform(*MASS_RANGE, n).astype(np.float32)}
    columns |= {name: x[:, i] for i, name in enumerate(FEATURES)}
    files = {storage: directory / f"events_{n}_{i}.root" for i, storage in enumerate(STORAGES)}
    ROOT.RDF.FromNumpy(columns).Snapshot(SAMPLE, str(files["TTree"]))
    tree = ROOT.RDataFrame(SAMPLE, str(files["TTree"]))
    array = tree.Define(ARRAY, f"ROOT::RVecF{{{', '.join(FEATURES)}}}")
    array.Snapshot(SAMPLE, str(files["TTree, features in 1 array"]), [*ids, "m4l", ARRAY])
    rntuple = ROOT.RDF.RSnapshotOptions()
    rntuple.fOutputFormat = ROOT.RDF.ESnapshotOutputFormat.kRNTuple
    tree.Snapshot(SAMPLE, str(files["RNTuple"]), "", rntuple)
    array.Snapshot(SAMPLE, str(files["RNTuple, features in 1 array"]), [*ids, "m4l", ARRAY], rntuple)
    h5_file = directory / f"skim_{n}.h5"
    weights = {name: np.ones(n) for name in ("weight", "w_mc", "w_sf", "w_norm")}
    order = rng.permutation(n)  # a multi-threaded skim does not keep the file order
    arrays = {name: np.asarray(values)[order] for name, values in (columns | weights).items()}
    frame = skim_table.to_frame(arrays, name=SAMPLE, label=1, folds=2, dsid=0, features=FEATURES)
    attributes = skim_table.TableAttributes(
        provenance={"benchmark": True}, config_hash="", fingerprint={}, lumi_fb=None, xsec_pb=None,
        sum_weights=None, dsid=0, kind="signal", files=[], cutflow={},
    )  # fmt: skip
    skim_table.write(h5_file, SAMPLE, frame, attributes, complib="blosc", complevel=5)
    return files, h5_file


def in_loop(model_dir: Path | None, storage: str, file: Path, code: bool = False) -> Histograms:
    """RDataFrame over the file: the score in the loop (or, without a model, a trivial sum of the same
    columns), then both histograms in one event loop; `code`: trees compiled as code, else node arrays."""
    import ROOT
    from higgshunt.inference import define_score

    os.environ["HIGGSHUNT_COMPILED"] = "1" if code else "0"
    array = ARRAY in storage
    df = ROOT.RDataFrame(SAMPLE, str(file))
    if model_dir is None:
        total = f"Sum({ARRAY})" if array else f"({' + '.join(FEATURES)})"
        df = df.Define("score", f"(eventNumber % 2) * 1e-3f + {total} * 1e-5f")
    else:
        mapping = {name: f"{ARRAY}[{i}]" for i, name in enumerate(FEATURES)} if array else None
        df = define_score(df, model_dir, feature_columns=mapping)
    score = df.Histo1D(ROOT.RDF.TH1DModel("score", "", SCORE_BINS, 0.0, 1.0), "score")
    mass = df.Filter(f"score > {SCORE_CUT}").Histo1D(
        ROOT.RDF.TH1DModel("m4l", "", MASS_BINS, *MASS_RANGE), "m4l"
    )
    return contents(score.GetValue(), SCORE_BINS), contents(mass.GetValue(), MASS_BINS)


def contents(hist: Any, n_bins: int) -> np.ndarray:
    return np.array([hist.GetBinContent(i) for i in range(1, n_bins + 1)])


def python_route(predict: Predict, h5: Path, root_file: Path, stages: dict[str, list[float]]) -> Histograms:
    """HDF5 -> predict -> join to the events by (runNumber, eventNumber) -> histograms; CPU time per stage
    is appended to `stages`."""
    import pandas as pd
    import uproot

    clock = [time.process_time()]

    def lap(stage: str) -> None:
        clock.append(time.process_time())
        stages.setdefault(stage, []).append(clock[-1] - clock[-2])

    table = pd.read_hdf(h5, SAMPLE, columns=["runNumber", "eventNumber", *FEATURES])
    x = table[FEATURES].to_numpy(dtype=np.float32)
    lap("read HDF5 (pandas)")
    scored = table[["runNumber", "eventNumber"]].assign(score=predict(x).ravel())
    lap("predict")
    with uproot.open(root_file) as file:
        events = file[SAMPLE].arrays(["runNumber", "eventNumber", "m4l"], library="pd")
    joined = events.merge(scored, on=["runNumber", "eventNumber"], how="left", validate="one_to_one")
    lap("read events (uproot) + join (pandas merge)")
    score, mass = joined["score"].to_numpy(), joined["m4l"].to_numpy()
    hists = (
        np.histogram(score, SCORE_BINS, (0.0, 1.0))[0].astype(np.float64),
        np.histogram(mass[score > SCORE_CUT], MASS_BINS, MASS_RANGE)[0].astype(np.float64),
    )
    lap("histograms (numpy)")
    return hists


def timed(function: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of `repeats` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        function()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


def check_same(label: str, ours: Histograms, theirs: Histograms) -> None:
    """Both routes fill the same histograms (an event whose two scores straddle a bin edge may move)."""
    for a, b in zip(ours, theirs, strict=True):
        if a.sum() != b.sum() or np.abs(a - b).sum() > 4:
            raise SystemExit(f"{label}: the routes disagree: {a.sum()} vs {b.sum()} entries")


Row = tuple[str, str, int, float, float, str]
NAN = float("nan")


COMPILE_SECONDS: dict[str, float] = {}  # model -> seconds g++ took for its trees as code


def route_rows(
    label: str, model_dir: Path, predict: Predict, n: int, tmp: Path, repeats: int, code: bool
) -> list[Row]:
    from higgshunt.eventloop.compiled import cache

    files, h5_file = write_events(tmp, n, seed=n)
    small, small_h5 = write_events(tmp, 1000, seed=7)
    for storage, file in small.items():  # JIT of the library headers and of the expressions, once per process
        in_loop(model_dir, storage, file)
        in_loop(None, storage, file)
        if code:
            before = cache.REPORT.compile_seconds  # the first call compiles, later ones find the library
            in_loop(model_dir, storage, file, code=True)
            COMPILE_SECONDS[label] = COMPILE_SECONDS.get(label, 0.0) + cache.REPORT.compile_seconds - before
    python_route(predict, small_h5, small["TTree"], {})
    reference = python_route(predict, h5_file, files["TTree"], {})
    for storage, file in files.items():
        check_same(f"{label} ({storage})", in_loop(model_dir, storage, file), reference)
        if code:
            check_same(f"{label} ({storage}, as code)", in_loop(model_dir, storage, file, True), reference)
    stages: dict[str, list[float]] = {}
    python = timed(lambda: python_route(predict, h5_file, files["TTree"], stages), repeats)
    rows: list[Row] = [(label, PYTHON, n, *python, "1.0x")]
    for storage, file in files.items():
        loop = timed(lambda s=storage, f=file: in_loop(model_dir, s, f), repeats)
        read = timed(lambda s=storage, f=file: in_loop(None, s, f), repeats)
        print(f"{label} {storage}: in-loop {loop[0]:.2f}s read {read[0]:.2f}s (CPU)", file=sys.stderr)
        rows += [
            (label, IN_LOOP.format(storage), n, *loop, f"{python[0] / loop[0]:.1f}x"),
            (label, READ_ONLY.format(storage), n, *read, f"{python[0] / read[0]:.1f}x"),
            (label, SCORING.format(storage), n, loop[0] - read[0], NAN, "-"),
        ]
        if code:
            as_code = timed(lambda s=storage, f=file: in_loop(model_dir, s, f, True), repeats)
            print(f"{label} {storage}: trees as code {as_code[0]:.2f}s (CPU)", file=sys.stderr)
            rows += [
                (label, IN_LOOP_CODE.format(storage), n, *as_code, f"{python[0] / as_code[0]:.1f}x"),
                (label, SCORING_CODE.format(storage), n, as_code[0] - read[0], NAN, "-"),
            ]
    rows += [(label, STAGE.format(stage), n, statistics.median(t), NAN, "-") for stage, t in stages.items()]
    return rows


def kernel_rows(
    label: str, kernels: dict[str, Predict], predict: Predict, x: np.ndarray, repeats: int
) -> list[Row]:
    """Each batch kernel on the same rows (its scores checked against `predict`), with its ratio to it."""
    reference = np.asarray(predict(x)).ravel()
    theirs = timed(lambda: predict(x), repeats)
    rows: list[Row] = []
    for name, kernel in kernels.items():
        difference = float(np.max(np.abs(np.asarray(kernel(x)).ravel() - reference)))
        if not difference <= 1e-5:
            raise SystemExit(f"{label}: {name} differs from predict by {difference:.3g}")
        ours = timed(lambda k=kernel: k(x), repeats)
        rows.append((label, f"batch kernel: {name}", len(x), *ours, f"{theirs[0] / ours[0]:.1f}x"))
    return [*rows, (label, "batch kernel: Keras/XGBoost predict (numpy)", len(x), *theirs, "1.0x")]


def tree_kernels(model_file: Path, booster_file: Path) -> dict[str, Predict]:
    """The BDT's trees as code in both forms, and TL2cgen's compiled copy of the booster when installed."""
    from higgshunt.artifacts import exported_model
    from higgshunt.inference.tree_codegen import FORMS, compile_trees

    folds = exported_model.load(model_file).folds
    kernels: dict[str, Predict] = {}
    for form in FORMS:
        start = time.perf_counter()
        trees = compile_trees(folds, form)
        COMPILE_SECONDS[f"trees as code, {form}"] = time.perf_counter() - start
        kernels[f"trees as code, {form} (numpy via ctypes)"] = lambda x, t=trees: t.evaluate_fold(0, x)
    try:
        import tl2cgen
        import treelite
    except ImportError as exc:
        print(f"TL2cgen anchor skipped: {exc}", file=sys.stderr)
        return kernels
    start = time.perf_counter()
    library = booster_file.with_suffix(".tl2cgen.so")
    model = treelite.frontend.from_xgboost_json(booster_file.read_text())
    tl2cgen.export_lib(model, toolchain="gcc", libpath=str(library), params={"parallel_comp": 8}, nthread=1)
    COMPILE_SECONDS["TL2cgen"] = time.perf_counter() - start
    predictor = tl2cgen.Predictor(str(library), nthread=1)
    kernels["TL2cgen-compiled trees (numpy)"] = lambda x: predictor.predict(
        tl2cgen.DMatrix(x, dtype="float32")
    )
    return kernels


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
    native.load_into_root()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        network_dir, bdt_dir = make_network(Path(tmp) / "dnn"), make_bdt(Path(tmp) / "bdt")
        network = keras.saving.load_model(network_dir / "fold0.keras")
        booster = xgb.Booster(model_file=str(bdt_dir / "fold0.json"))
        booster.set_param({"nthread": 1})
        keras_predict = lambda x: network.predict(x, batch_size=8192, verbose=0)  # noqa: E731
        xgb_predict = lambda x: booster.predict(xgb.DMatrix(x, nthread=1))  # noqa: E731
        models = (
            ("24-60-60-1 network", network_dir, keras_predict, args.events),
            ("500-tree BDT", bdt_dir, xgb_predict, args.events // 4),
        )
        os.environ["HIGGSHUNT_COMPILE_CACHE"] = str(Path(tmp) / "compile-cache")  # compiled in this run
        for label, model_dir, predict, n in models:
            code = model_dir == bdt_dir
            rows += route_rows(label, model_dir, predict, n, Path(tmp), args.repeats, code)
        x, _ = features(args.events, 3)
        for label, model_dir, predict, n in models:
            model = native.core().Model(str(exported_model(model_dir)))
            kernels = {"Model.evaluate_fold (numpy)": lambda x, m=model: m.evaluate_fold(0, x)}
            if model_dir == bdt_dir:
                kernels |= tree_kernels(exported_model(model_dir), bdt_dir / "fold0.json")
            rows += kernel_rows(label, kernels, predict, x[:n], args.repeats)
    save(rows, args)
    return 0


def goals(rows: list[Row]) -> str:
    """The issue's goals, checked on this run's numbers: in-loop scoring >= 3x the python route for the
    network, and >= 3x XGBoost's `predict` per core for the 500-tree BDT; with the bound that reading the
    events puts on each ratio, and the compile times of the trees as code."""
    rate = {(m, r): n / cpu for m, r, n, cpu, _, _ in rows}
    lines = ["## Goals, from these numbers", ""]
    for model in dict.fromkeys(m for m, *_ in rows):
        if (model, PYTHON) not in rate:
            continue
        network = "network" in model
        # the network's baseline is the whole python route, the BDT's XGBoost's predict on the same events
        name, baseline = (
            ("the python route", rate[(model, PYTHON)])
            if network
            else ("XGBoost predict", rate[(model, STAGE.format("predict"))])
        )
        for storage in STORAGES:
            read = rate[(model, READ_ONLY.format(storage))]
            loops = [("node arrays", IN_LOOP), ("trees as code", IN_LOOP_CODE)]
            found = [
                (kind, rate[(model, r.format(storage))])
                for kind, r in loops
                if (model, r.format(storage)) in rate
            ]
            text = "; ".join(
                f"{kind} {loop / 1e6:.3f} M/s = {loop / baseline:.2f}x "
                f"({'met' if loop >= 3 * baseline else 'not met'})"
                for kind, loop in found
            )
            lines.append(
                f"- {model}, {storage}: 3x {name} ({baseline / 1e6:.3f} M/s/core) goal: {text}. Reading "
                f"alone runs at {read / 1e6:.3f} M/s: a free model would give at most {read / baseline:.1f}x."
            )
    if COMPILE_SECONDS:
        times = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in COMPILE_SECONDS.items())
        lines.append(f"- Compile time of the 500 trees (g++ -O2, once, then cached): {times}.")
    return "\n".join(lines)


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
    summary = goals(rows)
    print(table + "\n\n" + summary)
    context = (
        f"One core (ROOT implicit MT off, TensorFlow 1 thread, XGBoost nthread=1, blosc 1 thread), medians "
        f"of {args.repeats} runs, {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs; each "
        "route starts from stored events (ROOT file / skim HDF5) and ends with the filled histograms "
        "(expressions JIT-compiled once beforehand). The ratio of a read-only row is the most that any "
        "in-loop scoring could reach."
    )
    keys = ("model", "route", "events", "cpu_s", "wall_s", "ratio")
    save_results(
        "bench_inference",
        "# bench_inference\n\n" + context + "\n\n" + table + "\n\n" + summary,
        {"context": context, "rows": [dict(zip(keys, r, strict=True)) for r in rows], "goals": summary},
        vars(args),
    )


if __name__ == "__main__":
    sys.exit(main())
