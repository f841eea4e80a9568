"""The k-fold training loop shared by every model kind, and the Keras fitting it uses.

Fold rule (the same in training and in every later scoring): the model of fold i is trained WITHOUT the events
with fold == i and scores exactly those events, so every event gets an out-of-fold score. Inside the training
events a seeded fraction is held out for early stopping. With one fold a seeded test fraction is held out
instead.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from higgshunt.errors import InputError
from higgshunt.learning.data import Dataset

log = logging.getLogger(__name__)


@dataclass
class FoldModel:
    """One trained model: the object saved to disk, how it scores raw features, its loss history, and what
    the fitter chose for it (e.g. a tuned architecture)."""

    model: Any
    predict: Callable[[np.ndarray], np.ndarray]
    history: dict[str, list[float]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


# A fitter trains one model on (train, validation) events with the run's settings.
Fitter = Callable[[Dataset, Dataset, dict[str, Any]], FoldModel]


@dataclass
class KFoldResult:
    """Out-of-fold scores of all events plus what is needed for overtraining checks and saving.

    Attributes:
        models: one FoldModel per fold (index = fold number).
        test_score: out-of-fold score of every event of the dataset.
        test_mask: events that have a test score (all of them with k >= 2 folds).
        train_score / train_index: scores of the fold models on (a sample of) their own training events.
        seconds: wall time of the whole loop.
        n_train: events each fold model learnt from (training plus early-stopping validation events).
    """

    models: list[FoldModel]
    test_score: np.ndarray
    test_mask: np.ndarray
    train_score: np.ndarray
    train_index: np.ndarray
    seconds: float
    n_train: list[int]


def configure_determinism(seed: int, threads: int = 1) -> None:
    """Seed Python, numpy and TensorFlow; make TF ops deterministic and single-threaded.

    Thread counts can only be set before TensorFlow starts its runtime; later calls keep the existing pools
    (with a debug message), which is still deterministic because op determinism is enabled.
    """
    import keras
    import tensorflow as tf

    os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError as exc:  # the runtime is already initialised in this process
        log.debug("TensorFlow thread pools already set up: %s", exc)


def balanced_weights(y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Training weights: |w| rescaled so signal and background each carry half of the total (mean weight 1).

    Absolute values because negative generator weights make the cross-entropy unbounded below for single
    events.
    """
    w = np.abs(np.asarray(weight, dtype=np.float64))
    out = np.zeros_like(w)
    n = len(w)
    for cls in (0, 1):
        sel = y == cls
        total = w[sel].sum()
        if total > 0:
            out[sel] = w[sel] * (0.5 * n / total)
    return out


def split_validation(ds: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """A seeded random (train, validation) split of the training events."""
    rng = np.random.default_rng(seed)
    is_val = rng.random(len(ds)) < fraction
    return ds.subset(~is_val), ds.subset(is_val)


def run_kfold(ds: Dataset, fitter: Fitter, settings: dict[str, Any], *, progress: bool = True) -> KFoldResult:
    """Train one model per fold with `fitter` and collect out-of-fold test scores."""
    from tqdm import tqdm

    n_folds = int(settings["folds"])
    seed = int(settings["seed"])
    start = time.perf_counter()
    if n_folds == 1:
        rng = np.random.default_rng(seed + 7)
        test_masks = [rng.random(len(ds)) < float(settings["test_fraction"])]
    else:
        test_masks = [ds.fold == f for f in range(n_folds)]
    models: list[FoldModel] = []
    test_score = np.full(len(ds), np.nan)
    train_scores, train_indices = [], []
    for fold, test_mask in enumerate(tqdm(test_masks, desc="folds", disable=not progress, unit="fold")):
        if test_mask.all() or not test_mask.any():
            raise InputError(
                f"{ds.source}: fold {fold} has {int(test_mask.sum())} of {len(ds)} events; "
                "cannot train without both training and test events"
            )
        train_idx = np.flatnonzero(~test_mask)
        fit_ds, val_ds = split_validation(
            ds.subset(train_idx), float(settings["validation_fraction"]), seed + fold
        )
        log.info(
            "fold %d: %d training, %d validation, %d test events",
            fold,
            len(fit_ds),
            len(val_ds),
            int(test_mask.sum()),
        )
        fold_model = fitter(fit_ds, val_ds, {**settings, "seed": seed + fold})
        models.append(fold_model)
        test_score[test_mask] = fold_model.predict(ds.x[test_mask])
        # scores on own training events for the KS overtraining test (a sample keeps this cheap)
        sample = np.random.default_rng(seed + fold).permutation(train_idx)[: int(test_mask.sum())]
        train_scores.append(fold_model.predict(ds.x[sample]))
        train_indices.append(sample)
    return KFoldResult(
        models,
        test_score,
        np.isfinite(test_score),
        np.concatenate(train_scores),
        np.concatenate(train_indices),
        time.perf_counter() - start,
        [int((~mask).sum()) for mask in test_masks],
    )


def fit_keras(
    model: Any,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray, np.ndarray],
    settings: dict[str, Any],
    *,
    loss: Any = "binary_crossentropy",
) -> dict[str, list[float]]:
    """Compile and fit a Keras model with early stopping (best weights restored) and a learning-rate schedule.

    `train` and `val` are (x, target, sample_weight) triples. Returns the loss history.
    """
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=float(settings["learning_rate"])), loss=loss)
    callbacks: list[Any] = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=int(settings["patience"]), restore_best_weights=True
        )
    ]
    if settings["progress"]:
        callbacks.append(_epoch_bar(int(settings["epochs"])))
    schedule = settings["lr_schedule"]
    if schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=max(1, int(settings["patience"]) // 2), min_lr=1e-6
            )
        )
    elif schedule == "exponential":
        decay = float(settings.get("lr_decay", 0.95))
        callbacks.append(keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * decay if epoch else lr))
    elif schedule == "cosine":
        callbacks.append(keras.callbacks.LearningRateScheduler(_cosine(settings)))
    history = model.fit(
        train[0].astype(np.float32),
        train[1].astype(np.float32),
        sample_weight=train[2].astype(np.float32),
        validation_data=(val[0].astype(np.float32), val[1].astype(np.float32), val[2].astype(np.float32)),
        epochs=int(settings["epochs"]),
        batch_size=int(settings["batch_size"]),
        shuffle=True,
        callbacks=callbacks,
        verbose=0,
    )
    return {k: [float(v) for v in values] for k, values in history.history.items() if "loss" in k}


def _cosine(settings: dict[str, Any]) -> Callable[[int, float], float]:
    """Learning rate of each epoch: from training.learning_rate down to 0 along a half cosine over the epochs
    (the epoch-wise form of the per-step schedule the decorrelating fits use)."""
    start, epochs = float(settings["learning_rate"]), int(settings["epochs"])
    return lambda epoch, lr: start * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))


def _epoch_bar(epochs: int) -> Any:
    """A Keras callback drawing a tqdm bar over epochs (stderr) with the validation loss."""
    import keras
    from tqdm import tqdm

    class EpochBar(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
            self.bar = tqdm(total=epochs, desc="epochs", unit="epoch", leave=False)

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            self.bar.update(1)
            self.bar.set_postfix(val_loss=f"{(logs or {}).get('val_loss', float('nan')):.4f}")

        def on_train_end(self, logs: dict[str, float] | None = None) -> None:
            self.bar.close()

    return EpochBar()


def keras_predictor(model: Any, batch_size: int = 8192) -> Callable[[np.ndarray], np.ndarray]:
    """A function scoring raw features with a single-output Keras model (returns a 1-d array)."""

    def predict(x: np.ndarray) -> np.ndarray:
        out = model.predict(np.asarray(x, dtype=np.float32), batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype=np.float64).reshape(len(x), -1)[:, 0]

    return predict


def fit_dnn(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """The dense classifier of one fold: class-balanced weights, early stopping, LR schedule."""
    from higgshunt.learning.models import DenseSpec, build_classifier

    configure_determinism(int(settings["seed"]), int(settings["threads"]))
    model = build_classifier(train.x, DenseSpec.from_config(settings["network"]))
    history = fit_keras(
        model,
        (train.x, train.y, balanced_weights(train.y, train.weight)),
        (val.x, val.y, balanced_weights(val.y, val.weight)),
        settings,
    )
    return FoldModel(model, keras_predictor(model), history)
