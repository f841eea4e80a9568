"""Keras 3 network builders. Every saved network is self-contained: raw features in, a Normalization layer
first.

Only layers the C++ inference understands are used in saved networks: Normalization, Dense, BatchNormalization
and Dropout (see the trained-model contract in `higgshunt.artifacts.trained_model`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

ALLOWED_ACTIVATIONS = ("relu", "elu", "selu", "tanh", "sigmoid", "linear", "leaky_relu", "swish", "softplus")


@dataclass(frozen=True)
class DenseSpec:
    """Architecture of a dense network: `depth` hidden layers of `width` units (or explicit `widths`)."""

    widths: tuple[int, ...] = (64, 64, 64)
    activation: str = "relu"
    dropout: float = 0.0
    batch_norm: bool = False
    scaler: str = "standard"

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> DenseSpec:
        """Build from a config block with `widths` or `width` + `depth`."""
        if "widths" in section:
            widths = tuple(int(w) for w in section["widths"])
        else:
            widths = (int(section.get("width", 64)),) * int(section.get("depth", 3))
        return cls(
            widths,
            str(section.get("activation", "relu")),
            float(section.get("dropout", 0.0)),
            bool(section.get("batch_norm", False)),
            str(section.get("scaler", "standard")),
        )


# Interquartile range of a unit Gaussian: the robust scale is IQR / 1.349, a standard deviation for Gaussians.
_GAUSSIAN_IQR = 1.3489795


def weighted_quantile(x: np.ndarray, q: float, weight: np.ndarray) -> np.ndarray:
    """Per column, the q-quantile of the weighted empirical distribution (lowest value with CDF >= q)."""
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        cdf = np.cumsum(weight[order])
        out[j] = x[order[min(int(np.searchsorted(cdf, q * cdf[-1])), len(order) - 1)], j]
    return out


def scaling(x: np.ndarray, scaler: str = "standard", weight: np.ndarray | None = None) -> tuple[Any, Any]:
    """(centre, variance) per feature that the input Normalization applies: (x - centre) / sqrt(variance).

    standard: the (weighted) mean and variance. robust: the (weighted) median and (IQR / 1.349)^2, so that
    long tails do not squeeze the bulk of a feature into a narrow range (the Normalization layer, which the
    C++ inference evaluates, stays the only preprocessing). `weight` must be non-negative; None = unit.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=np.float64)
    if scaler == "robust":
        centre = weighted_quantile(x, 0.5, w)
        spread = (weighted_quantile(x, 0.75, w) - weighted_quantile(x, 0.25, w)) / _GAUSSIAN_IQR
        std = np.sqrt(np.average((x - np.average(x, axis=0, weights=w)) ** 2, axis=0, weights=w))
        spread = np.where(spread > 0, spread, std)  # a feature with most events at one value: the std
        return centre, spread**2
    mean = np.average(x, axis=0, weights=w)
    return mean, np.average((x - mean) ** 2, axis=0, weights=w)


def normalization(
    x_train: np.ndarray,
    name: str = "normalization",
    *,
    scaler: str = "standard",
    weight: np.ndarray | None = None,
) -> Any:
    """The input Normalization layer, its centre and scale from the training features (stored in the model).

    The unweighted standard case adapts the layer as Keras does; otherwise see `scaling`."""
    import keras

    if scaler == "standard" and weight is None:
        layer = keras.layers.Normalization(axis=-1, name=name)
        layer.adapt(np.asarray(x_train, dtype=np.float32))
        return layer
    centre, variance = scaling(x_train, scaler, weight)
    return keras.layers.Normalization(
        axis=-1,
        mean=centre.astype(np.float32).tolist(),
        variance=variance.astype(np.float32).tolist(),
        name=name,
    )


def _dense_stack(tensor: Any, spec: DenseSpec, prefix: str) -> Any:
    import keras

    # The activation lives in the Dense layer and batch normalisation follows it: the trained-model contract
    # allows only Dense, BatchNormalization and Dropout after the input Normalization.
    for i, width in enumerate(spec.widths):
        tensor = keras.layers.Dense(width, activation=spec.activation, name=f"{prefix}_dense{i}")(tensor)
        if spec.batch_norm:
            tensor = keras.layers.BatchNormalization(name=f"{prefix}_bn{i}")(tensor)
        if spec.dropout > 0:
            tensor = keras.layers.Dropout(spec.dropout, name=f"{prefix}_drop{i}")(tensor)
    return tensor


def build_classifier(x_train: np.ndarray, spec: DenseSpec, name: str = "classifier") -> Any:
    """Normalization -> hidden dense layers -> Dense(1, sigmoid) giving the signal probability."""
    import keras

    _check_activation(spec.activation)
    inputs = keras.Input(shape=(x_train.shape[1],), name="features")
    hidden = _dense_stack(normalization(x_train, scaler=spec.scaler)(inputs), spec, "hidden")
    output = keras.layers.Dense(1, activation="sigmoid", name="score")(hidden)
    return keras.Model(inputs, output, name=name)


def build_autoencoder(
    x_train: np.ndarray, encoder: DenseSpec, latent: int, weight: np.ndarray | None = None
) -> tuple[Any, Any]:
    """An autoencoder mapping raw features to a reconstruction of the normalised features.

    Returns (model, norm) where `norm` is the model's Normalization layer, so the loss can compare the
    reconstruction with the normalised input. `weight` (non-negative) weights the normalisation statistics.
    """
    import keras

    _check_activation(encoder.activation)
    inputs = keras.Input(shape=(x_train.shape[1],), name="features")
    norm = normalization(x_train, scaler=encoder.scaler, weight=weight)
    normalised = norm(inputs)
    code = keras.layers.Dense(latent, name="latent")(_dense_stack(normalised, encoder, "enc"))
    decoded = _dense_stack(code, _mirror(encoder), "dec")
    output = keras.layers.Dense(x_train.shape[1], name="reconstruction")(decoded)
    return keras.Model(inputs, output, name="autoencoder"), norm


def _mirror(spec: DenseSpec) -> DenseSpec:
    return DenseSpec(
        tuple(reversed(spec.widths)), spec.activation, spec.dropout, spec.batch_norm, spec.scaler
    )


def build_vae(
    x_train: np.ndarray,
    encoder: DenseSpec,
    latent: int,
    kl_weight: float,
    weight: np.ndarray | None = None,
) -> tuple[Any, Any]:
    """A variational autoencoder for training, and its deterministic export (z = z_mean) sharing the weights.

    Returns (trainer, exported): `trainer` maps raw features to the reconstruction and adds the KL term as a
    loss; `exported` maps raw features to the reconstruction of the normalised features through z_mean only.
    """
    import keras

    _check_activation(encoder.activation)
    inputs = keras.Input(shape=(x_train.shape[1],), name="features")
    normalised = normalization(x_train, scaler=encoder.scaler, weight=weight)(inputs)
    hidden = _dense_stack(normalised, encoder, "enc")
    z_mean = keras.layers.Dense(latent, name="z_mean")(hidden)
    z_log_var = keras.layers.Dense(latent, name="z_log_var")(hidden)
    decoder_layers = _decoder_layers(encoder, x_train.shape[1])
    sampled = _Sampling(kl_weight, name="sampling")([z_mean, z_log_var])
    trainer = keras.Model(inputs, _apply(decoder_layers, sampled), name="vae")
    exported = keras.Model(inputs, _apply(decoder_layers, z_mean), name="vae_mean")
    return trainer, exported


def _decoder_layers(encoder: DenseSpec, n_out: int) -> list[Any]:
    import keras

    layers: list[Any] = []
    for i, width in enumerate(_mirror(encoder).widths):
        layers.append(keras.layers.Dense(width, activation=encoder.activation, name=f"dec_dense{i}"))
    layers.append(keras.layers.Dense(n_out, name="reconstruction"))
    return layers


def _apply(layers: list[Any], tensor: Any) -> Any:
    for layer in layers:
        tensor = layer(tensor)
    return tensor


def _check_activation(name: str) -> None:
    from higgshunt.errors import ConfigError

    if name not in ALLOWED_ACTIVATIONS:
        raise ConfigError(
            f"activation '{name}' is not one the exported models support: {', '.join(ALLOWED_ACTIVATIONS)}"
        )


def _sampling_layer() -> type:
    import keras

    class Sampling(keras.layers.Layer):
        """Reparameterisation z = mean + exp(log_var / 2) * eps; adds the weighted KL divergence as a loss."""

        def __init__(self, kl_weight: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.kl_weight = kl_weight
            self.seed = keras.random.SeedGenerator(1)

        def call(self, inputs: list[Any], training: bool | None = None) -> Any:
            from keras import ops

            mean, log_var = inputs
            kl = -0.5 * ops.mean(ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=1))
            self.add_loss(self.kl_weight * kl)
            eps = keras.random.normal(ops.shape(mean), seed=self.seed)
            return mean + ops.exp(0.5 * log_var) * eps

    return Sampling


def _Sampling(kl_weight: float, name: str) -> Any:  # noqa: N802 - reads like the layer class it makes
    return _sampling_layer()(kl_weight, name=name)
