"""An already trained network to compare with: Keras 3 `.keras`, Keras 2 `.h5`, or a TF < 2.16 SavedModel.

SavedModels written by TF < 2.16 with Keras 2 no longer load under TF 2.21 (`tf.saved_model.load` fails while
reviving the optimizer, and Keras 3 does not read the format). They are recovered here: the architecture comes
from `keras_metadata.pb` (the Keras 2 model config), the weights from the TensorFlow checkpoint
`variables/variables.*`, and the rebuilt Keras 3 network is checked against the original graph in
`saved_model.pb`, which TensorFlow's v1 SavedModel loader can still execute, on probe inputs
(`verify_against_graph`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import InputError

log = logging.getLogger(__name__)

# Recovered and original networks must agree to float32 rounding on probe inputs.
VERIFY_TOLERANCE = 1e-5


@dataclass
class Competitor:
    """A competitor: one network per fold (fold-matched scoring when the fold counts agree, else the mean)."""

    path: Path
    models: list[Any]
    n_inputs: int
    max_deviation: float | None = None  # largest |recovered - original| seen on probe inputs, when checked

    def score(self, x: np.ndarray, fold: np.ndarray, n_folds: int) -> np.ndarray:
        """Scores of raw input rows (fold i network on fold i events when there is one network per fold)."""
        if x.shape[1] != self.n_inputs:
            raise InputError(
                f"{self.path}: competitor takes {self.n_inputs} inputs, got {x.shape[1]} features"
            )
        predict = [_keras_predict(m) for m in self.models]
        if len(predict) == n_folds and n_folds > 1:
            out = np.empty(len(x))
            for f, p in enumerate(predict):
                sel = fold == f
                if sel.any():
                    out[sel] = p(x[sel])
            return out
        return np.mean([p(x) for p in predict], axis=0)


def _keras_predict(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(x.astype(np.float32), batch_size=8192, verbose=0), dtype=np.float64)[
            :, 0
        ]

    return predict


def load(path: str | Path, *, verify: bool = True) -> Competitor:
    """Load a competitor from a `.keras`/`.h5` file, a SavedModel directory, or a folder of several of them.

    A folder without `saved_model.pb` is searched for `model_crossval*` SavedModels (or `*.keras`/`*.h5`)
    sorted by name, one per fold.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: competitor not found")
    if path.is_dir() and not (path / "saved_model.pb").exists():
        members = sorted(
            p for p in path.iterdir() if (p / "saved_model.pb").exists() or p.suffix in (".keras", ".h5")
        )
        if not members:
            raise InputError(f"{path}: no SavedModel, .keras or .h5 competitor inside")
    else:
        members = [path]
    models, deviations = [], []
    for member in members:
        model, deviation = _load_one(member, verify)
        models.append(model)
        if deviation is not None:
            deviations.append(deviation)
    n_inputs = {int(m.input_shape[-1]) for m in models}
    if len(n_inputs) != 1:
        raise InputError(f"{path}: competitor networks take different input sizes {sorted(n_inputs)}")
    return Competitor(path, models, n_inputs.pop(), max(deviations) if deviations else None)


def _load_one(path: Path, verify: bool) -> tuple[Any, float | None]:
    import keras

    if path.is_dir():
        model = recover_savedmodel(path)
        return model, (verify_against_graph(path, model) if verify else None)
    try:
        return keras.models.load_model(path, compile=False), None
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: cannot load competitor network ({exc})") from exc


def keras2_config(savedmodel: Path) -> dict[str, Any]:
    """The Keras 2 model config stored in `keras_metadata.pb`: the metadata JSON of the root object.

    The file is a `SavedMetadata` message; its definition ships with TensorFlow (the Keras 2 saving code
    TensorFlow still carries), so protobuf parses it and a damaged file is reported as such.
    """
    from google.protobuf.message import DecodeError
    from tensorflow.python.keras.protobuf import saved_metadata_pb2

    where = savedmodel / "keras_metadata.pb"
    metadata = saved_metadata_pb2.SavedMetadata()
    try:
        metadata.ParseFromString(where.read_bytes())
    except (OSError, DecodeError) as exc:
        raise InputError(f"{where}: not a readable Keras metadata file ({exc})") from exc
    for node in metadata.nodes:
        if node.node_path == "root" and node.metadata:
            try:
                root = json.loads(node.metadata)
                config: dict[str, Any] = root.get("model_config") or {
                    "class_name": root["class_name"],
                    "config": root["config"],
                }
            except (ValueError, KeyError) as exc:
                raise InputError(f"{where}: the root object's metadata is not a Keras model config") from exc
            return config
    raise InputError(f"{where}: no root model config")


def checkpoint_tensors(savedmodel: Path) -> dict[str, np.ndarray]:
    """Model weights from the checkpoint, keyed like 'layer_with_weights-1/kernel' (optimizer slots left
    out)."""
    import tensorflow as tf

    prefix = str(savedmodel / "variables" / "variables")
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = [name for name, _ in tf.train.list_variables(prefix)]
    except (tf.errors.NotFoundError, tf.errors.DataLossError, ValueError) as exc:
        raise InputError(f"{prefix}: unreadable checkpoint ({exc})") from exc
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    return {
        n[: -len(suffix)]: reader.get_tensor(n)
        for n in names
        if n.startswith("layer_with_weights-") and n.endswith(suffix) and "OPTIMIZER_SLOT" not in n
    }


def recover_savedmodel(savedmodel: Path) -> Any:
    """Rebuild a Keras 2 Sequential of Normalization/Dense layers as a Keras 3 model with the checkpoint
    weights."""
    import keras

    config = keras2_config(savedmodel)
    tensors = checkpoint_tensors(savedmodel)
    layers_cfg = [lc for lc in config["config"]["layers"] if lc["class_name"] != "InputLayer"]
    n_inputs = (
        int(tensors["layer_with_weights-0/mean"].shape[-1])
        if "layer_with_weights-0/mean" in tensors
        else int(tensors["layer_with_weights-0/kernel"].shape[0])
    )
    inputs = keras.Input(shape=(n_inputs,), name="features")
    tensor, weighted = inputs, 0
    for lc in layers_cfg:
        kind, cfg = lc["class_name"], lc["config"]
        prefix = f"layer_with_weights-{weighted}"
        if kind == "Normalization":
            layer = keras.layers.Normalization(
                axis=-1,
                mean=tensors[f"{prefix}/mean"],
                variance=tensors[f"{prefix}/variance"],
                name=cfg["name"],
            )
            weighted += 1
        elif kind == "Dense":
            layer = keras.layers.Dense(int(cfg["units"]), activation=cfg["activation"], name=cfg["name"])
            tensor = layer(tensor)
            layer.set_weights([tensors[f"{prefix}/kernel"], tensors[f"{prefix}/bias"]])
            weighted += 1
            continue
        elif kind == "Dropout":
            layer = keras.layers.Dropout(float(cfg["rate"]), name=cfg["name"])
        else:
            raise InputError(
                f"{savedmodel}: cannot recover layer type {kind} (only Normalization, Dense, Dropout)"
            )
        tensor = layer(tensor)
    return keras.Model(inputs, tensor, name=f"recovered_{savedmodel.name}")


def run_original_graph(savedmodel: Path, x: np.ndarray) -> np.ndarray:
    """Evaluate the network exactly as stored in `saved_model.pb` + checkpoint, with TF's v1 SavedModel
    loader.

    This executes the original serving graph (its own ops and restored variables), independent of the Keras
    rebuild; it is the reference the recovered network is checked against.
    """
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], str(savedmodel))
        signature = meta.signature_def["serving_default"]
        (input_info,), (output_info,) = signature.inputs.values(), signature.outputs.values()
        result = session.run(output_info.name, {input_info.name: np.asarray(x, dtype=np.float32)})
    return np.asarray(result, dtype=np.float64)[:, 0]


def probe_inputs(model: Any, n: int = 256, seed: int = 0) -> np.ndarray:
    """Inputs spread around the network's own normalisation (mean +- 2 sigma), where its output varies."""
    norm = next((layer for layer in model.layers if layer.__class__.__name__ == "Normalization"), None)
    n_inputs = int(model.input_shape[-1])
    rng = np.random.default_rng(seed)
    if norm is None:
        return rng.normal(size=(n, n_inputs)).astype(np.float32)
    mean = np.asarray(norm.mean).reshape(-1)
    sigma = np.sqrt(np.asarray(norm.variance).reshape(-1))
    return (mean + sigma * rng.normal(0.0, 1.0, size=(n, n_inputs))).astype(np.float32)


def verify_against_graph(savedmodel: Path, model: Any, x: np.ndarray | None = None) -> float:
    """Max |recovered - original| on probe inputs; raises InputError beyond VERIFY_TOLERANCE."""
    probes = probe_inputs(model) if x is None else x
    reference = run_original_graph(savedmodel, probes)
    recovered = _keras_predict(model)(probes)
    deviation = float(np.max(np.abs(reference - recovered)))
    log.info(
        "%s: recovered network matches the original graph to %.2e on %d probes",
        savedmodel,
        deviation,
        len(probes),
    )
    if not deviation <= VERIFY_TOLERANCE:
        raise InputError(f"{savedmodel}: recovered network differs from the original by {deviation:.3g}")
    return deviation
