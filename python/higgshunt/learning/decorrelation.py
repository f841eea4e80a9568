"""Scans of a mass-decorrelation strength (adversarial lambda, DisCo alpha): the R50 against 1/JSD50 Pareto
front and the working point chosen on it.

Every scan point is a full k-fold training; its AUC, R50 (background rejection at 50% signal efficiency) and
JSD50 (Jensen-Shannon divergence between the background mass shapes passing and failing that cut) are measured
on the fold models' test events (expected numbers, simulation only).

Working-point rule (stated in metrics.json): among the Pareto-optimal points whose JSD50 is at most
`max_jsd50`, the one with the highest R50; if no point is that decorrelated, the one with the smallest JSD50.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from higgshunt.errors import ConfigError
from higgshunt.learning import data, metrics
from higgshunt.learning.kfold import KFoldResult, balanced_weights, run_kfold

log = logging.getLogger(__name__)

# The strength each decorrelating model kind scans, and where its value sits in the fit settings.
PARAMETER = {"adversarial": "lambda", "disco": "alpha"}
RULE = (
    "highest R50 among Pareto-optimal points with JSD50 <= {max_jsd50:g}; "
    "if none is that decorrelated, the smallest JSD50"
)


def event_tensors(ds: data.Dataset, mass: np.ndarray, background_weight: np.ndarray) -> tuple[Any, ...]:
    """The tensors a decorrelating fit trains on, one row per event: features, label, class-balanced weight
    (classifier loss), mass as the penalty sees it, and the background weight of the penalty (0 for
    signal)."""
    import tensorflow as tf

    return (
        tf.constant(ds.x, tf.float32),
        tf.constant(ds.y, tf.float32),
        tf.constant(balanced_weights(ds.y, ds.weight), tf.float32),
        tf.constant(mass, tf.float32),
        tf.constant(np.where(ds.y == 0, background_weight, 0.0), tf.float32),
    )


def batches(tensors: tuple[Any, ...], size: int, rng: np.random.Generator | None) -> Any:
    """Mini-batches of `size` rows of `tensors`, shuffled by `rng` (None: in order)."""
    import tensorflow as tf

    n = int(tensors[0].shape[0])
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, size):
        idx = tf.constant(order[start : start + size])
        yield tuple(tf.gather(t, idx) for t in tensors)


def cosine_adam(settings: dict[str, Any], n_events: int, epochs: int, rate: float | None = None) -> Any:
    """Adam whose learning rate falls from `rate` (default training.learning_rate) to 0 along a cosine over
    `epochs` epochs of `n_events` events in batches of training.batch_size."""
    import tensorflow as tf

    steps = max(1, epochs * -(-n_events // int(settings["batch_size"])))
    start = float(settings["learning_rate"]) if rate is None else rate
    return tf.keras.optimizers.Adam(tf.keras.optimizers.schedules.CosineDecay(start, steps))


def pareto_front(points: list[dict[str, Any]]) -> list[bool]:
    """For each point, whether no other point has R50 >= and JSD50 <= with one of them strictly better."""
    flags = []
    for p in points:
        dominated = any(
            q["r50"] >= p["r50"]
            and q["jsd50"] <= p["jsd50"]
            and (q["r50"] > p["r50"] or q["jsd50"] < p["jsd50"])
            for q in points
        )
        flags.append(not dominated)
    return flags


def working_point(points: list[dict[str, Any]], max_jsd50: float) -> int:
    """Index of the working point by the module's stated rule (points must carry a `pareto` flag)."""
    if not points:
        raise ConfigError("a decorrelation scan needs at least one point")
    eligible = [i for i, p in enumerate(points) if p["pareto"] and p["jsd50"] <= max_jsd50]
    if eligible:
        return max(eligible, key=lambda i: points[i]["r50"])
    return min(range(len(points)), key=lambda i: points[i]["jsd50"])


def _set_strength(fit: dict[str, Any], kind: str, value: float) -> dict[str, Any]:
    if kind == "disco":
        return {**fit, "disco": {**fit["disco"], "alpha": value}}
    return {**fit, "lambda": value}


def scan(
    ds: data.Dataset,
    fitter: Callable[..., Any],
    fit: dict[str, Any],
    kind: str,
    values: list[float],
    max_jsd50: float,
    progress: bool,
) -> tuple[KFoldResult, dict[str, Any]]:
    """Train `kind` for every strength in `values`; return the working point's run and the scan record."""
    from sklearn.metrics import roc_auc_score

    parameter = PARAMETER[kind]
    if ds.mass is None:
        raise ConfigError(f"a {parameter} scan needs data.mass (the column to decorrelate from)")
    points: list[dict[str, Any]] = []
    runs = []
    for value in sorted(set(values)):
        log.info("%s scan: %s = %g", kind, parameter, value)
        run = run_kfold(ds, fitter, _set_strength(fit, kind, value), progress=progress)
        t = run.test_mask
        weights = np.clip(ds.weight[t], 0, None) if ds.has_weights else np.ones(int(t.sum()))
        r50, jsd = metrics.r50_jsd50(run.test_score[t], ds.y[t], weights, ds.mass[t])
        auc = float(roc_auc_score(ds.y[t], run.test_score[t]))
        points.append({parameter: value, "auc": auc, "r50": r50, "jsd50": jsd})
        runs.append(run)
    for p, on_front in zip(points, pareto_front(points), strict=True):
        p["pareto"] = on_front
    chosen = working_point(points, max_jsd50)
    record = {
        "parameter": parameter,
        "points": points,
        "working_point": points[chosen],
        "rule": RULE.format(max_jsd50=max_jsd50),
        "measured_on": "test events of the fold models (expected, simulation only)",
    }
    log.info("%s scan: working point %s = %g", kind, parameter, points[chosen][parameter])
    return runs[chosen], record
