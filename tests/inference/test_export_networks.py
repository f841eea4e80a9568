"""C++ evaluation of exported Keras networks against Keras `predict`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from higgshunt import native
from higgshunt.errors import ModelFormatError
from higgshunt.inference import export_model
from higgshunt.inference.networks import ACTIVATIONS
from inference_models import FEATURES, events, keras_model

TOLERANCE = 1e-5


def cpp_scores(path, x: np.ndarray, fold: int = 0) -> np.ndarray:
    return native.core().Model(str(path)).evaluate_fold(fold, x).astype(np.float64)


def keras_scores(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, verbose=0), dtype=np.float64).ravel()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_matches_keras(make_keras_dir, activation: str) -> None:
    model = keras_model([(16, activation), (8, activation)], seed=3)
    path = export_model(make_keras_dir([model]))
    x = events(400, seed=1)
    np.testing.assert_allclose(cpp_scores(path, x), keras_scores(model, x), rtol=0, atol=TOLERANCE)


def test_batchnorm_folded_and_dropout_dropped(make_keras_dir) -> None:
    import keras

    # BN after a nonlinear Dense (folded forward), after a linear Dense (folded back), right after the
    # normalisation, and two in a row.
    model = keras_model(
        [
            keras.layers.BatchNormalization(),
            (12, "relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            (10, "linear"),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("tanh"),
            (8, "elu"),
            keras.layers.BatchNormalization(),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.2),
        ],
        seed=5,
    )
    path = export_model(make_keras_dir([model]))
    layers = json.loads(path.read_text())["folds"][0]["layers"]
    assert [layer["type"] for layer in layers] == ["dense"] * 4  # everything folded
    assert [layer["activation"] for layer in layers] == ["relu", "tanh", "elu", "sigmoid"]
    x = events(500, seed=2)
    np.testing.assert_allclose(cpp_scores(path, x), keras_scores(model, x), rtol=0, atol=TOLERANCE)


def test_labcourse_size_network(make_keras_dir) -> None:
    """The 24-60-60-1 architecture of the competitor."""
    model = keras_model([(60, "relu"), (60, "relu")], n_features=6, seed=7)
    path = export_model(make_keras_dir([model]))
    x = events(2000, seed=4)
    np.testing.assert_allclose(cpp_scores(path, x), keras_scores(model, x), rtol=0, atol=TOLERANCE)


def test_autoencoder_reconstruction_error(make_keras_dir) -> None:
    import keras

    n = len(FEATURES)
    model = keras_model(
        [
            (8, "selu"),
            keras.layers.BatchNormalization(),
            (3, "linear"),
            (8, "swish"),
            (n, "tanh"),
            keras.layers.BatchNormalization(),
        ],
        output="ae",
        seed=9,
    )
    path = export_model(make_keras_dir([model], kind="ae", score="reconstruction_mse"))
    assert json.loads(path.read_text())["folds"][0]["layers"][-1]["type"] == "scale_shift"  # final BN kept
    x = events(500, seed=6)
    normalised = np.asarray(model.layers[0](x), dtype=np.float64)  # Keras's own normalisation
    expected = np.mean((normalised - np.asarray(model.predict(x, verbose=0), dtype=np.float64)) ** 2, axis=1)
    got = cpp_scores(path, x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.all(got > 0)


def test_vae_exports_as_autoencoder(make_keras_dir) -> None:
    model = keras_model([(4, "relu"), (2, "linear"), (len(FEATURES), "linear")], output="ae", seed=11)
    path = export_model(make_keras_dir([model], kind="vae", score="reconstruction_mse"))
    assert json.loads(path.read_text())["kind"] == "ae"


def test_unsupported_layer_named(make_keras_dir) -> None:
    import keras

    model = keras_model([(8, "relu"), keras.layers.GaussianNoise(0.1)], seed=1)
    with pytest.raises(ModelFormatError, match=r"fold0\.keras: layer \d+ .*GaussianNoise.*not supported"):
        export_model(make_keras_dir([model]))


def test_unsupported_activation_named(make_keras_dir) -> None:
    model = keras_model([(8, "gelu")], seed=1)
    with pytest.raises(ModelFormatError, match="activation 'gelu' is not supported"):
        export_model(make_keras_dir([model]))


def test_check_catches_a_topology_it_cannot_represent(make_keras_dir) -> None:
    """A functional model whose layer list is not its data flow: the numeric check refuses it."""
    import keras

    keras.utils.set_random_seed(2)
    inputs = keras.Input((len(FEATURES),))
    a = keras.layers.Dense(len(FEATURES), activation="tanh", name="a")
    b = keras.layers.Dense(1, activation="sigmoid", name="b")
    model = keras.Model(inputs, b(a(a(inputs))))  # `a` applied twice, listed once
    directory = make_keras_dir([model])
    with pytest.raises(ModelFormatError, match="differs from keras's prediction"):
        export_model(directory)
    assert not (directory / "higgshunt_model.json").exists()
