"""Shipped files and the data root, as found from the source checkout the tests run in."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt import resources
from higgshunt.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_checkout_folders_are_found() -> None:
    assert resources.source_checkout() == REPO
    assert resources.config_dir() == REPO / "configs"
    assert (resources.macro_dir() / "plot_stack.C").is_file()


def test_config_by_name_or_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resources.config_file("hzz4l") == REPO / "configs" / "hzz4l.yaml"
    assert resources.config_file("hzz4l.yaml") == REPO / "configs" / "hzz4l.yaml"
    (tmp_path / "hzz4l.yaml").write_text("channel: hzz4l\n")
    assert resources.config_file("hzz4l.yaml") == Path("hzz4l.yaml")  # a file in the working folder wins
    assert resources.config_file("sub/hzz4l.yaml") == Path("sub/hzz4l.yaml")  # paths stay paths
    assert resources.config_file("nothing") == Path("nothing")  # for the loader to report
    assert resources.shipped_config("samples") == REPO / "configs" / "samples.yaml"
    with pytest.raises(ConfigError, match="no shipped config named 'nothing'"):
        resources.shipped_config("nothing")


def test_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ROOT_VARIABLE, raising=False)
    assert resources.builtin_data("data/generated") == REPO / "data" / "generated"
    monkeypatch.setenv(resources.ROOT_VARIABLE, str(tmp_path))
    assert resources.builtin_data("data/generated/samples.json") == tmp_path / "data/generated/samples.json"
    assert resources.builtin_data("/abs/samples.json") == Path("/abs/samples.json")


def test_relative_to_file(tmp_path: Path) -> None:
    config = tmp_path / "configs" / "mine.yaml"
    assert resources.relative_to_file("samples.json", config) == tmp_path / "configs" / "samples.json"
    assert resources.relative_to_file("/data/samples.json", config) == Path("/data/samples.json")
