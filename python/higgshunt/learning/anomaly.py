"""Anomaly detection: autoencoder and variational autoencoder trained on background only, and Hyperband
tuning.

The saved network maps raw features to a reconstruction of the NORMALISED features (its first layer is the
Normalization); the anomaly score is the mean over features of (normalised x - reconstruction)^2. The VAE is
saved deterministically, decoding z = z_mean.

Event weights: the (auto)encoders learn the weighted background, not the simulated mixture, through the
per-event loss weights and weighted normalisation statistics. Negative weights (NLO generators) are used as
|w|: a reconstruction loss with negative weights is unbounded below (the network would learn to reconstruct
those events as badly as possible), so the learnt mixture over-counts the regions where negative weights
cancel positive ones, by the fraction logged at training.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from higgshunt.errors import ConfigError, InputError
from higgshunt.learning.data import Dataset
from higgshunt.learning.kfold import FoldModel, balanced_weights, configure_determinism, fit_dnn, fit_keras
from higgshunt.learning.models import DenseSpec, build_autoencoder, build_classifier, build_vae

log = logging.getLogger(__name__)


def reconstruction_scorer(model: Any, batch_size: int = 8192) -> Callable[[np.ndarray], np.ndarray]:
    """Anomaly score of raw features: mean squared difference of normalised input and reconstruction."""
    norm = _normalization(model)

    def score(x: np.ndarray) -> np.ndarray:
        x32 = np.asarray(x, dtype=np.float32)
        reconstruction = model.predict(x32, batch_size=batch_size, verbose=0)
        normalised = np.asarray(norm(x32))
        return np.mean((normalised - reconstruction) ** 2, axis=1).astype(np.float64)

    return score


def _background(ds: Dataset) -> Dataset:
    return ds.subset(ds.y == 0)


def reconstruction_weights(ds: Dataset) -> np.ndarray:
    """Loss weights of background events: |w| scaled to mean 1 (see the module docstring for why |w|)."""
    w = np.asarray(ds.weight, dtype=np.float64)
    total = np.abs(w).sum()
    if not len(w) or total <= 0:
        raise InputError(f"{ds.source}: the background events to train on have no weight (total |w| = 0)")
    negative = float(np.abs(w[w < 0]).sum() / total)
    if negative > 0:
        log.info("%s: %.1f%% of the background |weight| is negative; used as |w|", ds.source, 100 * negative)
    return np.abs(w) * (len(w) / total)


def _normalization(model: Any) -> Any:
    """The model's input Normalization, found by type: Keras numbers layer names per process."""
    return next(layer for layer in model.layers if type(layer).__name__ == "Normalization")


def _normalised(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(_normalization(model)(np.asarray(x, dtype=np.float32)))


def fit_autoencoder(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """Autoencoder of one fold, fitted on the background events of `train` (validated on those of `val`)."""
    configure_determinism(int(settings["seed"]), int(settings["threads"]))
    bkg, bkg_val = _background(train), _background(val)
    w, w_val = reconstruction_weights(bkg), reconstruction_weights(bkg_val)
    model, _ = build_autoencoder(
        bkg.x, DenseSpec.from_config(settings["network"]), int(settings["anomaly"]["latent"]), w
    )
    history = fit_keras(
        model,
        (bkg.x, _normalised(model, bkg.x), w),
        (bkg_val.x, _normalised(model, bkg_val.x), w_val),
        settings,
        loss="mse",
    )
    return FoldModel(model, reconstruction_scorer(model), history)


def fit_vae(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """VAE of one fold on background only; the returned (saved) model decodes z_mean."""
    configure_determinism(int(settings["seed"]), int(settings["threads"]))
    bkg, bkg_val = _background(train), _background(val)
    w, w_val = reconstruction_weights(bkg), reconstruction_weights(bkg_val)
    anomaly = settings["anomaly"]
    trainer, exported = build_vae(
        bkg.x,
        DenseSpec.from_config(settings["network"]),
        int(anomaly["latent"]),
        float(anomaly["kl_weight"]),
        w,
    )
    # the KL term is a per-batch mean over events (unweighted); the weights act on the reconstruction loss
    history = fit_keras(
        trainer,
        (bkg.x, _normalised(trainer, bkg.x), w),
        (bkg_val.x, _normalised(trainer, bkg_val.x), w_val),
        settings,
        loss="mse",
    )
    return FoldModel(exported, reconstruction_scorer(exported), history)


def tune(train: Dataset, val: Dataset, settings: dict[str, Any], *, progress: bool = True) -> dict[str, Any]:
    """Keras Tuner Hyperband over the architecture space of `settings['tune']`; returns the best network
    block.

    The search runs on one training/validation split (inside one fold's training events, see `fit_tuned`).
    Target kind `tune.kind`: 'ae' (background reconstruction loss) or 'dnn' (weighted BCE).
    """
    import keras

    space, kind = settings["tune"]["space"], settings["tune"]["kind"]
    configure_determinism(int(settings["seed"]), int(settings["threads"]))
    if kind == "ae":
        fit_bkg, val_bkg = _background(train), _background(val)
        fit_x, val_x = fit_bkg.x, val_bkg.x
        # a code as wide as the input can learn the identity, which minimises the loss and detects nothing
        latents = [v for v in space["latent"] if v < fit_x.shape[1]]
        if not latents:
            raise ConfigError(
                f"tune.space.latent {space['latent']}: every value must be below the number of "
                f"features ({fit_x.shape[1]})"
            )
    else:
        fit_x, val_x = train.x, val.x

    def build(hp: Any) -> Any:
        network = {
            "width": hp.Choice("width", space["width"]),
            "depth": hp.Choice("depth", space["depth"]),
            "activation": hp.Choice("activation", space["activation"]),
            "dropout": hp.Choice("dropout", space.get("dropout", [0.0])),
        }
        spec = DenseSpec.from_config(network)
        rate = hp.Choice("learning_rate", space["learning_rate"])
        if kind == "ae":
            model, _ = build_autoencoder(fit_x, spec, hp.Choice("latent", latents), weights[0])
            loss = "mse"
        else:
            model, loss = build_classifier(fit_x, spec), "binary_crossentropy"
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=rate), loss=loss)
        return model

    if kind == "ae":
        weights = (reconstruction_weights(fit_bkg), reconstruction_weights(val_bkg))
        probe, _ = build_autoencoder(fit_x, DenseSpec((4,)), 2, weights[0])
        data = (fit_x, _normalised(probe, fit_x)), (val_x, _normalised(probe, val_x))
    else:
        data = (fit_x, train.y.astype(np.float32)), (val_x, val.y.astype(np.float32))
        weights = (balanced_weights(train.y, train.weight), balanced_weights(val.y, val.weight))
    with tempfile.TemporaryDirectory(prefix="higgshunt-tune-") as workdir:
        tuner = _hyperband_class()(
            build,
            objective="val_loss",
            max_epochs=int(settings["tune"]["max_epochs"]),
            factor=int(settings["tune"]["factor"]),
            seed=int(settings["seed"]),
            directory=workdir,
            project_name="search",
            overwrite=True,
        )
        tuner.search(
            data[0][0].astype(np.float32),
            data[0][1],
            sample_weight=weights[0],
            validation_data=(data[1][0].astype(np.float32), data[1][1], weights[1]),
            batch_size=int(settings["batch_size"]),
            verbose=0,
            callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(settings["patience"]))],
        )
        best = tuner.get_best_hyperparameters(1)[0].values
        trials = len(tuner.oracle.trials)
    log.info("Hyperband: %d trials, best %s", trials, best)
    network = {k: best[k] for k in ("width", "depth", "activation", "dropout")}
    out: dict[str, Any] = {
        "network": network,
        "learning_rate": float(best["learning_rate"]),
        "trials": trials,
    }
    if kind == "ae":
        out["latent"] = int(best["latent"])
    return out


def fit_tuned(train: Dataset, val: Dataset, settings: dict[str, Any]) -> FoldModel:
    """One fold of a tuned model: the Hyperband search on this fold's training events (`train`, with `val`
    carved from them), then the best architecture trained on the same events. The fold's test events never
    enter the search, so no fold model is chosen on events it later scores."""
    best = tune(train, val, settings, progress=False)
    tuned = {**settings, "network": best["network"], "learning_rate": best["learning_rate"]}
    if "latent" in best:
        tuned["anomaly"] = {**settings["anomaly"], "latent": best["latent"]}
    fit = fit_autoencoder if settings["tune"]["kind"] == "ae" else fit_dnn
    fold_model = fit(train, val, tuned)
    fold_model.info = best
    return fold_model


def _hyperband_class() -> type:
    """Hyperband that imports TensorBoard only when a TensorBoard callback is used.

    keras-tuner 1.4 imports `tensorboard` for every trial on the TensorFlow backend, but tensorflow-cpu does
    not install it; without a TensorBoard callback there is nothing for that import to configure.
    """
    import keras_tuner

    class Hyperband(keras_tuner.Hyperband):
        def _configure_tensorboard_dir(self, callbacks: list[Any], trial: Any, execution: int = 0) -> None:
            if any(c.__class__.__name__ == "TensorBoard" for c in callbacks):
                super()._configure_tensorboard_dir(callbacks, trial, execution)

    return Hyperband


def significance_improvement(score: np.ndarray, y: np.ndarray, n_points: int = 100) -> dict[str, np.ndarray]:
    """Significance-improvement curve eps_s / sqrt(eps_b) against eps_s for cuts on an anomaly score."""
    cuts = np.quantile(score[y == 0], np.linspace(0.0, 0.999, n_points))
    sig, bkg = score[y == 1], score[y == 0]
    eff_s = np.array([(sig > c).mean() if len(sig) else np.nan for c in cuts])
    eff_b = np.array([(bkg > c).mean() for c in cuts])
    with np.errstate(divide="ignore", invalid="ignore"):
        sic = np.where(eff_b > 0, eff_s / np.sqrt(eff_b), np.nan)
    return {"cut": cuts, "eff_s": eff_s, "eff_b": eff_b, "sic": sic}
