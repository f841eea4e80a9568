"""`keras_metadata.pb` read with TensorFlow's own message definition (SavedMetadata), on files written by
protobuf itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt.errors import InputError
from higgshunt.learning import competitor

CONFIG = {
    "class_name": "Sequential",
    "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {}}]},
}


def _write(folder: Path, nodes: list[tuple[str, str]]) -> Path:
    from tensorflow.python.keras.protobuf import saved_metadata_pb2

    message = saved_metadata_pb2.SavedMetadata()
    for node_id, (path, metadata) in enumerate(nodes):
        message.nodes.add(node_id=node_id, node_path=path, identifier="_tf_keras_layer", metadata=metadata)
    folder.mkdir(exist_ok=True)
    (folder / "keras_metadata.pb").write_bytes(message.SerializeToString())
    return folder


def test_root_model_config_is_found_among_layers(tmp_path: Path) -> None:
    layer = json.dumps({"class_name": "Dense", "config": {"units": 3}})
    folder = _write(tmp_path, [("root.layer-0", layer), ("root", json.dumps({"model_config": CONFIG}))])
    assert competitor.keras2_config(folder) == CONFIG


def test_root_without_model_config_uses_its_class_and_config(tmp_path: Path) -> None:
    folder = _write(tmp_path, [("root", json.dumps({**CONFIG, "name": "s"}))])
    assert competitor.keras2_config(folder) == CONFIG


def test_no_root_object(tmp_path: Path) -> None:
    folder = _write(tmp_path, [("root.layer-0", "{}")])
    with pytest.raises(InputError, match=r"keras_metadata.pb: no root model config"):
        competitor.keras2_config(folder)


def test_damaged_file_and_bad_json(tmp_path: Path) -> None:
    (tmp_path / "keras_metadata.pb").write_bytes(b"\x0a\xff\xff\xff")  # a field longer than the file
    with pytest.raises(InputError, match="not a readable Keras metadata file"):
        competitor.keras2_config(tmp_path)
    folder = _write(tmp_path / "json", [("root", "{not json")])
    with pytest.raises(InputError, match="metadata is not a Keras model config"):
        competitor.keras2_config(folder)
