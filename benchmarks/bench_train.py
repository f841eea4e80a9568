"""Training speed of the dnn, bdt (XGBoost, LightGBM) and DisCo on 500k events: throughput (events/s per
epoch, or per 100 trees), and the time until the validation AUC is within 0.005 of its final (converged)
value.

Table: 10 correlated Gaussian features with class-dependent means and one width difference; a mass column
(for DisCo) falls exponentially for background and rises with feature 0, so a classifier using feature 0
sculpts the background mass; signal mass is a narrow peak.
Side by side in one run:
    dnn (higgshunt defaults, batch 256)  vs  named baseline: the same dnn with batch 1024
    bdt, XGBoost (BDTG-like settings)    vs  named baseline: scikit-learn HistGradientBoosting (same depth)
    bdt, LightGBM (higgshunt defaults)   vs  named baseline: the XGBoost row above
    disco (alpha 5, batch 256, cosine)   vs  named baseline: the dnn (batch 256) row above
Each pair is trained in alternating steps (one epoch, or 100 trees, each in turn), so that a change of load on
a shared machine hits both alike; DisCo runs after them through `fit_disco`, timed epoch by epoch. Validation
AUC evaluation is not timed. Single-threaded, as in training. Prints a table and saves it to
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
    x, y, _ = make_table_with_mass(n, seed)
    return x, y


def make_table_with_mass(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int8)
    cov = 0.3 * np.ones((10, 10)) + 0.7 * np.eye(10)
    x = rng.multivariate_normal(np.zeros(10), cov, size=n)
    x[:, :5] += 0.25 * y[:, None] * np.arange(1, 6) / 5
    x[:, 5] = x[:, 5] * (1 + 0.5 * y)  # a width difference a linear cut cannot use
    mass = np.where(y == 1, rng.normal(125.0, 2.0, n), 100.0 + rng.exponential(25.0, n) + 5.0 * x[:, 0])
    return x, y, mass


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


def lightgbm(x: np.ndarray, y: np.ndarray) -> Contender:
    import lightgbm as lgb
    from higgshunt.learning import settings

    block = settings.merged({})["bdt"]["lightgbm"]  # the higgshunt defaults, without early stopping
    params = {
        "objective": "binary",
        "learning_rate": block["learning_rate"],
        "num_leaves": block["num_leaves"],
        "min_data_in_leaf": block["min_data_in_leaf"],
        "bagging_fraction": block["bagging_fraction"],
        "bagging_freq": 1,
        "feature_fraction": block["feature_fraction"],
        "lambda_l2": block["lambda_l2"],
        "num_threads": 1,
        "seed": 1,
        "verbosity": -1,
    }
    dtrain = lgb.Dataset(x, label=y, free_raw_data=False)
    state: dict[str, Any] = {"booster": None}

    def step() -> None:
        state["booster"] = lgb.train(
            params,
            dtrain,
            num_boost_round=TREES_PER_STEP,
            init_model=state["booster"],
            keep_training_booster=True,
        )

    def score(xv: np.ndarray) -> np.ndarray:
        return np.asarray(state["booster"].predict(xv))

    return step, score


def disco(
    x: np.ndarray, y: np.ndarray, mass: np.ndarray, epochs: int, xv: np.ndarray, yv: np.ndarray
) -> dict[str, Any]:
    """DisCo through `fit_disco` (alpha 5, patience beyond the epochs): per-epoch time and validation AUC."""
    from higgshunt.learning import settings
    from higgshunt.learning.data import Dataset

    def dataset(xs: np.ndarray, ys: np.ndarray, ms: np.ndarray) -> Dataset:
        n = len(ys)
        return Dataset(
            tuple(f"x{i}" for i in range(xs.shape[1])),
            xs,
            ys,
            np.ones(n),
            False,
            ms,
            np.zeros(n, dtype=int),
            np.arange(n),
            "generated",
        )

    fit = settings.fit_settings(settings.merged({"training": {"epochs": epochs, "patience": epochs + 1}}))
    fit["disco"] = {**fit["disco"], "alpha": 5.0}
    seconds: list[float] = []
    aucs: list[float] = []
    clock = {"start": time.perf_counter()}

    def on_epoch(classifier: Any) -> None:
        seconds.append(time.perf_counter() - clock["start"])
        aucs.append(
            float(roc_auc_score(yv, np.asarray(classifier.predict(xv, batch_size=8192, verbose=0))[:, 0]))
        )
        log.info("disco: epoch %d, %.2f s, AUC %.4f", len(aucs), seconds[-1], aucs[-1])
        clock["start"] = time.perf_counter()

    n_val = len(y) // 10  # fit_disco's own early-stopping events (not timed apart: part of its epoch)
    from higgshunt.learning.disco import fit_disco

    fit_disco(
        dataset(x[n_val:], y[n_val:], mass[n_val:]),
        dataset(x[:n_val], y[:n_val], mass[:n_val]),
        fit,
        on_epoch=on_epoch,
    )
    return _converged(seconds, aucs)


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
    return {name: _converged(seconds[name], aucs[name]) for name in contenders}


def _converged(seconds: list[float], aucs: list[float]) -> dict[str, Any]:
    """Timing summary of one contender: the converged AUC is the last one."""
    elapsed = np.cumsum(seconds)
    final = aucs[-1]
    reached = next(t for t, a in zip(elapsed, aucs, strict=True) if a >= final - TOLERANCE)
    return {
        "median_step_s": float(np.median(seconds)),
        "step_seconds": seconds,
        "aucs": aucs,
        "final_auc": final,
        "time_to_converged_s": float(reached),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    x, y, mass = make_table_with_mass(args.events)
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
        {
            "bdt xgboost": xgboost(x, y),
            "baseline: sklearn HistGradientBoosting": sklearn_hgb(x, y),
            "bdt lightgbm": lightgbm(x, y),
        },
        max(1, args.trees // TREES_PER_STEP),
        xv,
        yv,
    )
    for row in bdt_rows.values():
        row.update(unit=f"events/s per {TREES_PER_STEP} trees", throughput=args.events / row["median_step_s"])
    disco_row = disco(x, y, mass, args.epochs, xv, yv)
    # fit_disco trains on 90% of the events (10% are its early-stopping events)
    disco_row.update(unit="events/s per epoch", throughput=0.9 * args.events / disco_row["median_step_s"])
    rows = {**dnn_rows, **bdt_rows, "disco (alpha 5, batch 256)": disco_row}
    pairs = {
        "dnn (batch 256)": "baseline: dnn (batch 1024)",
        "bdt xgboost": "baseline: sklearn HistGradientBoosting",
        "bdt lightgbm": "bdt xgboost",
        "disco (alpha 5, batch 256)": "dnn (batch 256)",
    }
    lines = [
        f"# bench_train: {args.events} training events, 100k validation, 1 thread, alternating steps",
        "",
        "| model | throughput | unit | median step s | baseline | throughput ratio | final AUC "
        "| s to AUC within 0.005 | time ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        base = pairs.get(name)
        ratio = f"{r['throughput'] / rows[base]['throughput']:.2f}" if base else "1"
        time_ratio = f"{r['time_to_converged_s'] / rows[base]['time_to_converged_s']:.2f}" if base else "1"
        lines.append(
            f"| {name} | {r['throughput']:.3g} | {r['unit']} | {r['median_step_s']:.2f} | {base or '-'} | "
            f"{ratio} | {r['final_auc']:.4f} | {r['time_to_converged_s']:.1f} | {time_ratio} |"
        )
    text = "\n".join(lines)
    print(text)
    save_results("bench_train", text, {"args": vars(args), "results": rows}, vars(args))


if __name__ == "__main__":
    main()
