"""Malformed configs, made by mutating the shipped ones (a key deleted, a value of another type, an unknown
key): each command's config loader either accepts the config or raises one HiggshuntError of one line that
names the file; an unknown key and a scalar replaced by a mapping are always refused. In-process."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from higgshunt import bumphunt, learning, skim
from higgshunt.errors import ConfigError, HiggshuntError
from higgshunt.generation import load_config as load_samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_harness import REPO

CONFIGS = REPO / "configs"
OTHER_VALUES = st.sampled_from([None, 0, -1, 2.5, float("nan"), "", "text", [], [1, "a"], {}, {"x": 1}, True])


def _load_bumphunt(path: Path, model: Path) -> object:
    return bumphunt.load(path, model=model)


def _load_detector(path: Path, model: Path) -> object:
    samples = yaml.safe_load((CONFIGS / "samples.yaml").read_text())
    samples["detector"] = str(path)
    wrapper = path.with_name("samples.yaml")
    wrapper.write_text(yaml.safe_dump(samples))
    return load_samples(wrapper)


# shipped config -> its loader (the same the command uses), absolute paths for what the config names
LOADERS: dict[str, Callable[[Path, Path], object]] = {
    "hzz4l.yaml": lambda p, m: skim.load(p),
    "hyy.yaml": lambda p, m: skim.load(p),
    "trilepton.yaml": lambda p, m: skim.load(p),
    "train_hzz4l.yaml": lambda p, m: learning.load_config(p),
    "train_trilepton.yaml": lambda p, m: learning.load_config(p),
    "bumphunt_hzz4l.yaml": _load_bumphunt,
    "samples.yaml": lambda p, m: load_samples(p),
    "detector.yaml": _load_detector,
}
RELATIVE_PATHS = {"skim": "bumphunt_", "detector": "samples.yaml"}
# Blocks whose keys are the user's names (YAML anchors, C++ definitions, derived columns): an extra key there
# is a new entry, not an unknown key, so mutations stay outside them.
FREE_FORM = {"definitions", "derived"}


def _shipped(name: str) -> dict[str, Any]:
    config = yaml.safe_load((CONFIGS / name).read_text())
    for key, prefix in RELATIVE_PATHS.items():
        if name.startswith(prefix) and key in config:
            config[key] = str(CONFIGS / config[key])
    return config


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a nested config (mappings and lists)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    out = []
    for key, value in items:
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


def _parent(config: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = config
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutations(draw: st.DrawFn, name: str) -> tuple[dict[str, Any], str]:
    """A mutated copy of the shipped config `name` and the kind of mutation."""
    config = copy.deepcopy(_shipped(name))
    kind = draw(st.sampled_from(["delete", "retype", "unknown", "to_mapping"]))
    path = draw(st.sampled_from([p for p in _paths(config) if not FREE_FORM & set(map(str, p[:-1]))]))
    parent = _parent(config, path)
    if kind == "delete":
        del parent[path[-1]]
    elif kind == "unknown":
        target = parent if isinstance(parent, dict) else config
        target[draw(st.sampled_from(["colour", "extra_key", "Output"]))] = draw(OTHER_VALUES)
    elif kind == "to_mapping" and isinstance(parent[path[-1]], (str, int, float, bool)):
        parent[path[-1]] = {"unexpected": 1}
    else:
        kind = "retype"
        parent[path[-1]] = draw(OTHER_VALUES)
    return config, kind


@pytest.mark.parametrize("name", sorted(LOADERS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_config_loads_or_one_line_error(name: str, data: st.DataObject, trained_model: Path) -> None:
    config, kind = data.draw(mutations(name))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(yaml.safe_dump(config))
        try:
            LOADERS[name](path, trained_model)
        except HiggshuntError as exc:
            message = str(exc)
            assert "\n" not in message and (str(path) in message or name in message), message
            return
    assert kind not in ("unknown", "to_mapping"), f"{name}: {kind} mutation accepted: {config}"


@pytest.fixture(scope="module")
def trained_model(inputs: Any) -> Path:
    """The bump hunt's config needs a model folder (the shared one; its features do not matter here)."""
    return Path(inputs.paths()["model"])


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "train.yaml"
    path.write_text((CONFIGS / "train_hzz4l.yaml").read_text().replace("training:", "trainng:"))
    with pytest.raises(
        ConfigError, match=r"train\.yaml: unknown key 'trainng' \(did you mean 'training'\?\)"
    ):
        learning.load_config(path)
