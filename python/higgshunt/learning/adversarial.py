"""Mass-decorrelated classifier: classifier + Gaussian-mixture adversary ("Learning to Pivot", Louppe et al.
2017).

The adversary predicts the (standardised) mass of BACKGROUND events from the classifier score with a mixture
density network; the classifier minimises L_clf - lambda * L_adv, the adversary minimises L_adv (alternating
updates, `adversary_steps` adversary updates per classifier update). Both are pre-trained first. Only the
classifier network is saved.

Early stopping does not use the combined loss: it improves whenever the adversary lags (L_adv large), which
rewards exactly the epochs where the score is least watched. It keeps the epoch with the best validation
trade-off log R50 - log JSD50 (background rejection at 50% signal efficiency against the background mass
sculpting of that cut), i.e. the point furthest along both axes of the decorrelation front.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from higgshunt.errors import InputError
from higgshunt.learning import metrics
from higgshunt.learning.data import Dataset
from higgshunt.learning.decorrelation import batches, cosine_adam, event_tensors
from higgshunt.learning.kfold import (
    FoldModel,
    balanced_weights,
    configure_determinism,
    fit_keras,
    keras_predictor,
)
from higgshunt.learning.models import DenseSpec, build_classifier

log = logging.getLogger(__name__)


def build_adversary(n_components: int, width: int = 32) -> Any:
    """Score -> (means, log-sigmas, mixture logits) of a Gaussian mixture for the standardised mass."""
    import keras

    inputs = keras.Input(shape=(1,), name="score")
    hidden = keras.layers.Dense(width, activation="relu")(inputs)
    hidden = keras.layers.Dense(width, activation="relu")(hidden)
    return keras.Model(inputs, keras.layers.Dense(3 * n_components, name="gmm")(hidden), name="adversary")


def gmm_nll(params: Any, target: Any, weight: Any) -> Any:
    """Weighted mean negative log-likelihood of `target` under the mixture given by `params` (n, 3K)."""
    import tensorflow as tf

    mu, log_sigma, logits = tf.split(params, 3, axis=1)
    log_sigma = tf.clip_by_value(log_sigma, -5.0, 5.0)
    z = (target[:, None] - mu) * tf.exp(-log_sigma)
    log_component = -0.5 * tf.square(z) - log_sigma - 0.5 * math.log(2.0 * math.pi)
    log_pdf = tf.reduce_logsumexp(tf.nn.log_softmax(logits, axis=1) + log_component, axis=1)
    return -tf.reduce_sum(weight * log_pdf) / tf.maximum(tf.reduce_sum(weight), 1e-12)


def fit_adversarial(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """Pre-train classifier and adversary, then alternate; keeps the classifier with the best validation
    R50/JSD50 trade-off."""
    import tensorflow as tf

    if train.mass is None or val.mass is None:
        raise InputError(f"{train.source}: the adversarial model needs a mass column (--mass / data.mass)")
    adv = settings["adversarial"]
    seed = int(settings["seed"])
    configure_determinism(seed, int(settings["threads"]))
    classifier = build_classifier(train.x, DenseSpec.from_config(settings["network"]))
    # training.epochs bounds every phase, so `--epochs` shortens an adversarial run as it does the others
    cap = int(settings["epochs"])
    pre = {**settings, "epochs": max(1, min(cap, int(adv["pretrain_epochs"])))}
    history = fit_keras(
        classifier,
        (train.x, train.y, balanced_weights(train.y, train.weight)),
        (val.x, val.y, balanced_weights(val.y, val.weight)),
        pre,
    )
    adversary = build_adversary(int(adv["n_components"]))
    bkg = train.y == 0
    m_mean, m_std = float(np.mean(train.mass[bkg])), float(np.std(train.mass[bkg]) or 1.0)

    lam = float(settings["lambda"])
    n_epochs = min(cap, int(adv["epochs"]))
    if adv["lr_schedule"] == "cosine":  # both fall together, so the adversary keeps pace with the classifier
        opt_clf = cosine_adam(settings, len(train), n_epochs)
        opt_adv = cosine_adam(
            settings,
            len(train),
            n_epochs * int(adv["adversary_steps"]) + min(cap, int(adv["adversary_pretrain_epochs"])),
            float(adv["adversary_learning_rate"]),
        )
    else:
        opt_clf = tf.keras.optimizers.Adam(float(settings["learning_rate"]))
        opt_adv = tf.keras.optimizers.Adam(float(adv["adversary_learning_rate"]))
    bce = tf.keras.losses.BinaryCrossentropy(reduction="none")

    def losses(batch: tuple[Any, ...], training: bool) -> tuple[Any, Any]:
        x, y, w, m, w_bkg = batch
        s = classifier(x, training=training)
        l_clf = tf.reduce_sum(w * bce(y[:, None], s)) / tf.reduce_sum(w)
        return l_clf, gmm_nll(adversary(s, training=training), m, w_bkg)

    @tf.function
    def adversary_step(x: Any, y: Any, w: Any, m: Any, w_bkg: Any) -> Any:
        with tf.GradientTape() as tape:
            _, l_adv = losses((x, y, w, m, w_bkg), True)
        opt_adv.apply_gradients(
            zip(
                tape.gradient(l_adv, adversary.trainable_variables),
                adversary.trainable_variables,
                strict=True,
            )
        )
        return l_adv

    @tf.function
    def classifier_step(x: Any, y: Any, w: Any, m: Any, w_bkg: Any) -> Any:
        with tf.GradientTape() as tape:
            l_clf, l_adv = losses((x, y, w, m, w_bkg), True)
            total = l_clf - lam * l_adv
        opt_clf.apply_gradients(
            zip(
                tape.gradient(total, classifier.trainable_variables),
                classifier.trainable_variables,
                strict=True,
            )
        )
        return total

    # the adversary fits the standardised mass of background events, weighted as the classifier loss
    train_t, val_t = (
        event_tensors(ds, (np.asarray(ds.mass) - m_mean) / m_std, balanced_weights(ds.y, ds.weight))
        for ds in (train, val)
    )
    batch = int(settings["batch_size"])
    rng = np.random.default_rng(seed)

    for _ in range(min(cap, int(adv["adversary_pretrain_epochs"]))):
        for b in batches(train_t, batch, rng):
            adversary_step(*b)
    history.update({"adv_loss": [], "val_adv_loss": [], "combined_loss": [], "val_combined_loss": []})
    val_mass = np.asarray(val.mass)

    def val_tradeoff() -> float:
        score = np.asarray(classifier(val_t[0], training=False))[:, 0]
        r50, jsd = metrics.r50_jsd50(score, val.y, np.clip(val.weight, 0.0, None), val_mass)
        return -(math.log(max(r50, 1.0)) - math.log(max(jsd, 1e-6)))

    history["val_tradeoff"] = []
    best, best_weights, waited = np.inf, classifier.get_weights(), 0
    for _ in range(n_epochs):
        for b in batches(train_t, batch, rng):
            classifier_step(*b)
            for _ in range(int(adv["adversary_steps"])):
                adversary_step(*b)
        l_clf, l_adv = (float(v) for v in losses(train_t, training=False))
        v_clf, v_adv = (float(v) for v in losses(val_t, training=False))
        history["adv_loss"].append(l_adv)
        history["val_adv_loss"].append(v_adv)
        history["combined_loss"].append(l_clf - lam * l_adv)
        history["val_combined_loss"].append(v_clf - lam * v_adv)
        # without a penalty there is nothing to trade: plain validation classifier loss
        criterion = val_tradeoff() if lam > 0 else v_clf
        history["val_tradeoff"].append(criterion)
        if criterion < best - 1e-4:
            best, best_weights, waited = criterion, classifier.get_weights(), 0
        else:
            waited += 1
            if waited > int(settings["patience"]):
                break
    classifier.set_weights(best_weights)
    return FoldModel(classifier, keras_predictor(classifier), history)
