"""Training speed of the dnn and bdt on 500k events: throughput (events/s per epoch, or per 100 trees),
and the time until the validation AUC is within 0.005 of its final (converged) value.

Side by side in one run, on the same generated table (10 correlated Gaussian features):
    dnn (higgshunt defaults, batch 256)  vs  named baseline: the same dnn with batch 1024
    bdt, XGBoost (BDTG-like settings)    vs  baseline: scikit-learn HistGradientBoosting, same depth and rate
Single-threaded, as in training. Prints a table and saves it to benchmarks/results/bench_train.{md,json}.

    .venv/bin/python benchmarks/bench_train.py [--events 500000] [--epochs 8] [--trees 300]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from higgshunt import provenance
from higgshunt.atomic import atomic_output
from sklearn.metrics import roc_auc_score

log = logging.getLogger(__name__)
RESULTS = Path(__file__).resolve().parent / "results"
TOLERANCE = 0.005


def make_table(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int8)
    cov = 0.3 * np.ones((10, 10)) + 0.7 * np.eye(10)
    x = rng.multivariate_normal(np.zeros(10), cov, size=n)
    x[:, :5] += 0.25 * y[:, None] * np.arange(1, 6) / 5
    x[:, 5] = x[:, 5] * (1 + 0.5 * y)  # a width difference a linear cut cannot use
    return x, y


def _converged(times: list[float], aucs: list[float]) -> float:
    final = aucs[-1]
    return next(t for t, a in zip(times, aucs, strict=True) if a >= final - TOLERANCE)


def bench_dnn(
    x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, epochs: int, batch: int
) -> dict[str, Any]:
    import keras
    from higgshunt.learning.models import DenseSpec, build_classifier
    from higgshunt.learning.training import balanced_weights, configure_determinism

    configure_determinism(1, 1)
    model = build_classifier(x, DenseSpec())
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    w = balanced_weights(y, np.ones(len(y))).astype(np.float32)
    times, aucs, epoch_seconds, start = [], [], [], time.perf_counter()
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.fit(
            x.astype(np.float32), y.astype(np.float32), sample_weight=w, batch_size=batch, epochs=1, verbose=0
        )
        epoch_seconds.append(time.perf_counter() - t0)
        aucs.append(
            float(roc_auc_score(yv, model.predict(xv.astype(np.float32), batch_size=8192, verbose=0)[:, 0]))
        )
        times.append(sum(epoch_seconds))  # training time only, evaluation excluded
    median = float(np.median(epoch_seconds))
    return {
        "throughput": len(x) / median,
        "unit": "events/s per epoch",
        "median_step_s": median,
        "final_auc": aucs[-1],
        "time_to_converged_s": _converged(times, aucs),
        "total_s": time.perf_counter() - start,
    }


def bench_xgboost(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, trees: int) -> dict[str, Any]:
    import xgboost as xgb

    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": 2,
        "eta": 0.1,
        "subsample": 0.5,
        "max_bin": 20,
        "nthread": 1,
        "seed": 1,
    }
    dtrain, dval = xgb.DMatrix(x, label=y), xgb.DMatrix(xv, label=yv)
    stamps: list[float] = []

    class Clock(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            stamps.append(time.perf_counter())
            return False

    start = time.perf_counter()
    booster = xgb.train(params, dtrain, num_boost_round=trees, callbacks=[Clock()])
    steps = np.diff([start, *stamps])
    per100 = [float(np.sum(steps[i : i + 100])) for i in range(0, len(steps) - 99, 100)] or [
        float(np.sum(steps))
    ]
    median = float(np.median(per100))
    # the AUC after each tree, computed afterwards so that it does not count as training time
    aucs = [float(roc_auc_score(yv, booster.predict(dval, iteration_range=(0, i + 1)))) for i in range(trees)]
    times = list(np.cumsum(steps))
    return {
        "throughput": len(x) / median,
        "unit": "events/s per 100 trees",
        "median_step_s": median,
        "final_auc": aucs[-1],
        "time_to_converged_s": float(_converged(times, aucs)),
        "total_s": time.perf_counter() - start,
    }


def bench_sklearn(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, trees: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    clf = HistGradientBoostingClassifier(
        max_depth=2, learning_rate=0.1, max_iter=trees, max_bins=20, early_stopping=False, random_state=1
    )
    with threadpool_limits(limits=1):  # single-threaded like the other rows (OpenMP otherwise)
        clf.fit(x, y)
    total = time.perf_counter() - start
    aucs = [float(roc_auc_score(yv, p[:, 1])) for p in clf.staged_predict_proba(xv)]
    per_tree = total / trees  # scikit-learn offers no per-iteration clock; its fit time is spread evenly
    times = [per_tree * (i + 1) for i in range(len(aucs))]
    return {
        "throughput": len(x) / (100 * per_tree),
        "unit": "events/s per 100 trees",
        "median_step_s": 100 * per_tree,
        "final_auc": aucs[-1],
        "time_to_converged_s": _converged(times, aucs),
        "total_s": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    x, y = make_table(args.events)
    xv, yv = make_table(100_000, seed=2)
    rows = {
        "dnn (batch 256)": bench_dnn(x, y, xv, yv, args.epochs, 256),
        "baseline: dnn (batch 1024)": bench_dnn(x, y, xv, yv, args.epochs, 1024),
        "bdt xgboost": bench_xgboost(x, y, xv, yv, args.trees),
        "baseline: sklearn HistGradientBoosting": bench_sklearn(x, y, xv, yv, args.trees),
    }
    pairs = {
        "dnn (batch 256)": "baseline: dnn (batch 1024)",
        "bdt xgboost": "baseline: sklearn HistGradientBoosting",
    }
    lines = [
        f"# bench_train: {args.events} training events, 100k validation, 1 thread",
        "",
        "| model | throughput | unit | median s | ratio vs baseline | final AUC | s to AUC within 0.005 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        base = pairs.get(name)
        ratio = f"{r['throughput'] / rows[base]['throughput']:.2f}" if base else "1 (baseline)"
        lines.append(
            f"| {name} | {r['throughput']:.3g} | {r['unit']} | {r['median_step_s']:.2f} | {ratio} | "
            f"{r['final_auc']:.4f} | {r['time_to_converged_s']:.1f} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with atomic_output(RESULTS / "bench_train.md") as tmp:
        tmp.write_text(text + "\n")
    with atomic_output(RESULTS / "bench_train.json") as tmp:
        tmp.write_text(
            json.dumps(
                {"args": vars(args), "results": rows, "provenance": provenance.collect(vars(args))}, indent=2
            )
        )


if __name__ == "__main__":
    main()
