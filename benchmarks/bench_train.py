"""Training speed of the dnn and bdt on 500k events: throughput (events/s per epoch, or per 100 trees),
and the time until the validation AUC is within 0.005 of its final (converged) value.

Side by side in one run, on the same generated table (10 correlated Gaussian features):
    dnn (higgshunt defaults, batch 256)  vs  named baseline: the same dnn with batch 1024
    bdt, XGBoost (BDTG-like settings)    vs  named baseline: scikit-learn HistGradientBoosting (same depth)
Each pair is trained in alternating steps (one epoch, or 100 trees, each in turn), so that a change of load on
a shared machine hits both alike. Single-threaded, as in training. Prints a table and saves it to
benchmarks/results/bench_train.{md,json}.

    .venv/bin/python benchmarks/bench_train.py [--events 500000] [--epochs 8] [--trees 300]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from results_io import save_results
from sklearn.metrics import roc_auc_score

log = logging.getLogger(__name__)
TOLERANCE = 0.005
TREES_PER_STEP = 100

# A contender: `step()` trains one more epoch (or 100 trees); `score(x)` gives validation scores.
Contender = tuple[Callable[[], None], Callable[[np.ndarray], np.ndarray]]


def make_table(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int8)
    cov = 0.3 * np.ones((10, 10)) + 0.7 * np.eye(10)
    x = rng.multivariate_normal(np.zeros(10), cov, size=n)
    x[:, :5] += 0.25 * y[:, None] * np.arange(1, 6) / 5
    x[:, 5] = x[:, 5] * (1 + 0.5 * y)  # a width difference a linear cut cannot use
    return x, y


def dnn(x: np.ndarray, y: np.ndarray, batch: int) -> Contender:
    import keras
    from higgshunt.learning.kfold import balanced_weights, configure_determinism
    from higgshunt.learning.models import DenseSpec, build_classifier

    configure_determinism(1, 1)
    model = build_classifier(x, DenseSpec())
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    w = balanced_weights(y, np.ones(len(y))).astype(np.float32)

    def step() -> None:
        model.fit(x32, y32, sample_weight=w, batch_size=batch, epochs=1, verbose=0)

    def score(xv: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(xv.astype(np.float32), batch_size=8192, verbose=0))[:, 0]

    return step, score


def xgboost(x: np.ndarray, y: np.ndarray) -> Contender:
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
    dtrain = xgb.DMatrix(x, label=y)
    state: dict[str, Any] = {"booster": None}

    def step() -> None:
        state["booster"] = xgb.train(
            params, dtrain, num_boost_round=TREES_PER_STEP, xgb_model=state["booster"]
        )

    def score(xv: np.ndarray) -> np.ndarray:
        return np.asarray(state["booster"].predict(xgb.DMatrix(xv)))

    return step, score


def sklearn_hgb(x: np.ndarray, y: np.ndarray) -> Contender:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    clf = HistGradientBoostingClassifier(
        max_depth=2,
        learning_rate=0.1,
        max_iter=0,
        max_bins=20,
        early_stopping=False,
        warm_start=True,
        random_state=1,
    )

    def step() -> None:
        clf.max_iter += TREES_PER_STEP
        with threadpool_limits(limits=1):  # single-threaded like the other rows (OpenMP otherwise)
            clf.fit(x, y)

    def score(xv: np.ndarray) -> np.ndarray:
        return np.asarray(clf.predict_proba(xv))[:, 1]

    return step, score


def race(contenders: dict[str, Contender], steps: int, xv: np.ndarray, yv: np.ndarray) -> dict[str, Any]:
    """Alternate one step of each contender; time the steps only (validation AUC excluded)."""
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    aucs: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(steps):
        for name, (step, score) in contenders.items():
            start = time.perf_counter()
            step()
            seconds[name].append(time.perf_counter() - start)
            aucs[name].append(float(roc_auc_score(yv, score(xv))))
            log.info(
                "%s: step %d, %.2f s, AUC %.4f", name, len(aucs[name]), seconds[name][-1], aucs[name][-1]
            )
    out = {}
    for name in contenders:
        elapsed = np.cumsum(seconds[name])
        final = aucs[name][-1]
        reached = next(t for t, a in zip(elapsed, aucs[name], strict=True) if a >= final - TOLERANCE)
        out[name] = {
            "median_step_s": float(np.median(seconds[name])),
            "step_seconds": seconds[name],
            "aucs": aucs[name],
            "final_auc": final,
            "time_to_converged_s": float(reached),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    x, y = make_table(args.events)
    xv, yv = make_table(100_000, seed=2)
    rows: dict[str, Any] = {}
    dnn_rows = race(
        {"dnn (batch 256)": dnn(x, y, 256), "baseline: dnn (batch 1024)": dnn(x, y, 1024)},
        args.epochs,
        xv,
        yv,
    )
    for row in dnn_rows.values():
        row.update(unit="events/s per epoch", throughput=args.events / row["median_step_s"])
    bdt_rows = race(
        {"bdt xgboost": xgboost(x, y), "baseline: sklearn HistGradientBoosting": sklearn_hgb(x, y)},
        max(1, args.trees // TREES_PER_STEP),
        xv,
        yv,
    )
    for row in bdt_rows.values():
        row.update(unit=f"events/s per {TREES_PER_STEP} trees", throughput=args.events / row["median_step_s"])
    rows = {**dnn_rows, **bdt_rows}
    pairs = {
        "dnn (batch 256)": "baseline: dnn (batch 1024)",
        "bdt xgboost": "baseline: sklearn HistGradientBoosting",
    }
    lines = [
        f"# bench_train: {args.events} training events, 100k validation, 1 thread, alternating steps",
        "",
        "| model | throughput | unit | median step s | ratio vs baseline | final AUC "
        "| s to AUC within 0.005 |",
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
    save_results("bench_train", text, {"args": vars(args), "results": rows}, vars(args))


if __name__ == "__main__":
    main()
