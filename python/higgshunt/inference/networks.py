"""Keras 3 networks -> the `network` evaluator of the higgshunt-model format.

Accepted layers, in a chain: an optional Normalization first, then Dense, BatchNormalization (inference mode),
Dropout (dropped), and Activation / LeakyReLU directly after a linear Dense. BatchNormalization is folded into
the preceding Dense when that Dense is linear, otherwise into the following Dense; a BatchNormalization at the
very end stays as a `scale_shift` layer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import ModelFormatError

log = logging.getLogger(__name__)

ACTIVATIONS = ("linear", "relu", "elu", "selu", "tanh", "sigmoid", "leaky_relu", "swish", "softplus")
_ALIASES = {"silu": "swish"}
_LEAKY_RELU_SLOPE = 0.2  # keras.activations.leaky_relu's default negative_slope


def _numpy(variable: Any, dtype: type = np.float64) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(variable), dtype=dtype)


def _floats(values: np.ndarray) -> list[float]:
    """float32 values as exact JSON numbers (the float64 form of a float32 round-trips through text)."""
    return np.asarray(values, dtype=np.float32).astype(np.float64).ravel().tolist()


class _Dense:
    def __init__(self, kernel: np.ndarray, bias: np.ndarray, activation: str, alpha: float) -> None:
        self.kernel = kernel.astype(np.float64)
        self.bias = bias.astype(np.float64)
        self.activation = activation
        self.alpha = alpha

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "dense",
            "n_in": int(self.kernel.shape[0]),
            "n_out": int(self.kernel.shape[1]),
            "kernel": _floats(self.kernel),
            "bias": _floats(self.bias),
            "activation": self.activation,
        }
        if self.activation == "leaky_relu":
            out["alpha"] = self.alpha
        return out


def _activation_name(activation: Any, where: str) -> str:
    import keras

    name = str(keras.activations.serialize(activation))
    name = _ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        raise ModelFormatError(
            f"{where}: activation {name!r} is not supported (supported: {', '.join(ACTIVATIONS)})"
        )
    return name


def _batchnorm(layer: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(scale, shift) of a BatchNormalization in inference mode: y = x * scale + shift."""
    if tuple(np.atleast_1d(layer.axis)) not in {(-1,), (1,)}:
        raise ModelFormatError(
            f"{where}: BatchNormalization over axis {layer.axis} is not supported (need -1)"
        )
    mean = _numpy(layer.moving_mean)
    var = _numpy(layer.moving_variance)
    gamma = _numpy(layer.gamma) if layer.scale else np.ones_like(mean)
    beta = _numpy(layer.beta) if layer.center else np.zeros_like(mean)
    scale = gamma / np.sqrt(var + float(layer.epsilon))
    return scale, beta - mean * scale


def _normalization(layer: Any, n_features: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    if layer.invert:
        raise ModelFormatError(f"{where}: an inverting Normalization is not supported")
    mean = np.broadcast_to(_numpy(layer.mean, np.float32).ravel(), (n_features,))
    var = np.broadcast_to(_numpy(layer.variance, np.float32).ravel(), (n_features,))
    # Keras divides by max(sqrt(var), epsilon), in float32.
    scale = np.maximum(np.sqrt(var), np.float32(keras.backend.epsilon()))
    return mean.copy(), scale.astype(np.float32)


def convert_keras(path: Path, n_features: int) -> dict[str, Any]:
    """The `network` evaluator JSON of the Keras model at `path` (features -> score or reconstruction)."""
    import keras

    model = keras.saving.load_model(path, compile=False)
    where = str(path)
    mean = np.zeros(n_features, dtype=np.float32)
    scale = np.ones(n_features, dtype=np.float32)
    layers: list[_Dense | tuple[np.ndarray, np.ndarray]] = []
    pending: tuple[np.ndarray, np.ndarray] | None = None  # a scale/shift waiting for the next Dense
    for index, layer in enumerate(model.layers):
        at = f"{where}: layer {index} ({layer.name}, {type(layer).__name__})"
        kind = type(layer).__name__
        if kind in {"InputLayer", "Dropout"}:
            continue
        if kind == "Normalization":
            if layers or pending is not None:
                raise ModelFormatError(f"{at}: Normalization must come first")
            mean, scale = _normalization(layer, n_features, at)
        elif kind == "Dense":
            kernel = _numpy(layer.kernel)
            bias = _numpy(layer.bias) if layer.use_bias else np.zeros(kernel.shape[1])
            if pending is not None:  # y = W^T (s x + t) + b = (s W)^T x + (W^T t + b)
                s, t = pending
                bias = bias + t @ kernel
                kernel = kernel * s[:, None]
                pending = None
            name = _activation_name(layer.activation, at)
            layers.append(_Dense(kernel, bias, name, _LEAKY_RELU_SLOPE))
        elif kind == "BatchNormalization":
            s, t = _batchnorm(layer, at)
            last = layers[-1] if layers else None
            if pending is None and isinstance(last, _Dense) and last.activation == "linear":
                last.kernel = last.kernel * s[None, :]
                last.bias = last.bias * s + t
            elif pending is None:
                pending = (s, t)
            else:  # two in a row: s2 (s1 x + t1) + t2
                pending = (pending[0] * s, pending[1] * s + t)
        elif kind in {"Activation", "LeakyReLU"}:
            last = layers[-1] if layers else None
            if pending is not None or not isinstance(last, _Dense) or last.activation != "linear":
                raise ModelFormatError(f"{at}: an activation layer must directly follow a linear Dense")
            if kind == "LeakyReLU":
                last.activation, last.alpha = "leaky_relu", float(layer.negative_slope)
            else:
                last.activation = _activation_name(layer.activation, at)
        else:
            raise ModelFormatError(
                f"{at}: layer type {kind} is not supported "
                "(Normalization, Dense, BatchNormalization, Dropout)"
            )
    if pending is not None:
        layers.append(pending)
    if not any(isinstance(layer, _Dense) for layer in layers):
        raise ModelFormatError(f"{where}: the model has no Dense layer")
    return {
        "type": "network",
        "n_inputs": n_features,
        "normalization": {"mean": _floats(mean), "scale": _floats(scale)},
        "layers": [
            layer.to_json()
            if isinstance(layer, _Dense)
            else {"type": "scale_shift", "scale": _floats(layer[0]), "shift": _floats(layer[1])}
            for layer in layers
        ],
    }
