"""Mass-decorrelated classifier with a distance-correlation penalty (DisCo, Kasieczka & Shih, PRL 125 (2020)
122001).

The classifier minimises the weighted cross-entropy plus alpha times the squared distance correlation between
its score and the mass of BACKGROUND events in each batch. Unlike an adversary there is no second network to
balance: the penalty is a closed-form, differentiable statistic that is zero exactly when score and mass are
independent. The learning rate follows a cosine schedule; the classifier with the lowest validation loss
(cross-entropy + alpha * dCor^2, evaluated batch by batch) is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from higgshunt.errors import InputError
from higgshunt.learning.data import Dataset
from higgshunt.learning.decorrelation import batches, cosine_adam, event_tensors
from higgshunt.learning.kfold import FoldModel, configure_determinism, keras_predictor
from higgshunt.learning.models import DenseSpec, build_classifier

log = logging.getLogger(__name__)


def distance_correlation(x: Any, y: Any, weight: Any) -> Any:
    """Weighted squared distance correlation dCor^2(x, y) of two 1-d tensors (Szekely's V-statistic).

    With unit weights this is the textbook dCor^2; a weight w_i counts event i as w_i copies (so zero-weight
    events, e.g. signal when the penalty is on background, do not enter). Returns 0 when either variable is
    constant or the total weight is zero, rather than 0/0.
    """
    import tensorflow as tf

    w = tf.cast(weight, tf.float32)
    total = tf.reduce_sum(w)
    p = w / tf.maximum(total, 1e-12)  # probabilities of the weighted empirical distribution

    def centred(v: Any) -> Any:
        v = tf.cast(v, tf.float32)
        dist = tf.abs(v[:, None] - v[None, :])
        row = tf.linalg.matvec(dist, p)  # weighted mean over j of |v_i - v_j|
        return dist - row[:, None] - row[None, :] + tf.tensordot(row, p, 1)

    a, b = centred(x), centred(y)

    def dcov2(u: Any, v: Any) -> Any:
        return tf.tensordot(p, tf.linalg.matvec(u * v, p), 1)

    denom = tf.sqrt(tf.maximum(dcov2(a, a) * dcov2(b, b), 0.0))
    return tf.where(denom > 1e-12, dcov2(a, b) / tf.maximum(denom, 1e-12), 0.0)


def fit_disco(
    train: Dataset,
    val: Dataset,
    settings: dict[str, Any],
    *,
    on_epoch: Callable[[Any], None] | None = None,
) -> FoldModel:
    """Train the classifier with the DisCo penalty; keeps the epoch with the lowest validation loss.

    `on_epoch`, if given, is called with the classifier after every epoch (benchmarks follow convergence)."""
    import tensorflow as tf

    if train.mass is None or val.mass is None:
        raise InputError(f"{train.source}: the disco model needs a mass column (--mass / data.mass)")
    seed = int(settings["seed"])
    configure_determinism(seed, int(settings["threads"]))
    classifier = build_classifier(train.x, DenseSpec.from_config(settings["network"]))
    alpha = float(settings["disco"]["alpha"])
    epochs, batch = int(settings["epochs"]), int(settings["batch_size"])
    optimizer = cosine_adam(settings, len(train), epochs)
    bce = tf.keras.losses.BinaryCrossentropy(reduction="none")

    def losses(batch: tuple[Any, ...], training: bool) -> tuple[Any, Any]:
        x, y, w, m, w_bkg = batch
        s = classifier(x, training=training)
        l_clf = tf.reduce_sum(w * bce(y[:, None], s)) / tf.maximum(tf.reduce_sum(w), 1e-12)
        return l_clf, distance_correlation(s[:, 0], m, w_bkg)

    @tf.function(reduce_retracing=True)
    def step(x: Any, y: Any, w: Any, m: Any, w_bkg: Any) -> Any:
        with tf.GradientTape() as tape:
            l_clf, l_dcor = losses((x, y, w, m, w_bkg), True)
            total = l_clf + alpha * l_dcor
        grads = tape.gradient(total, classifier.trainable_variables)
        optimizer.apply_gradients(zip(grads, classifier.trainable_variables, strict=True))
        return total

    # the penalty uses the physical (not class-balanced) background weights, clipped at zero
    train_t = event_tensors(train, train.mass, np.clip(train.weight, 0.0, None))
    val_t = event_tensors(val, val.mass, np.clip(val.weight, 0.0, None))
    rng = np.random.default_rng(seed)

    def mean_loss(data: tuple[Any, ...]) -> tuple[float, float]:
        # dCor is computed per batch (an n x n matrix for all events would not fit in memory)
        parts = [tuple(float(v) for v in losses(b, False)) for b in batches(data, batch, None)]
        return float(np.mean([p[0] for p in parts])), float(np.mean([p[1] for p in parts]))

    history: dict[str, list[float]] = {"loss": [], "val_loss": [], "dcor": [], "val_dcor": []}
    best, best_weights, waited = np.inf, classifier.get_weights(), 0
    for _ in range(epochs):
        for b in batches(train_t, batch, rng):
            step(*b)
        if on_epoch is not None:
            on_epoch(classifier)
        l_clf, l_dcor = mean_loss(train_t)
        v_clf, v_dcor = mean_loss(val_t)
        history["loss"].append(l_clf + alpha * l_dcor)
        history["val_loss"].append(v_clf + alpha * v_dcor)
        history["dcor"].append(l_dcor)
        history["val_dcor"].append(v_dcor)
        if history["val_loss"][-1] < best - 1e-4:
            best, best_weights, waited = history["val_loss"][-1], classifier.get_weights(), 0
        else:
            waited += 1
            if waited > int(settings["patience"]):
                break
    classifier.set_weights(best_weights)
    return FoldModel(classifier, keras_predictor(classifier), history)
