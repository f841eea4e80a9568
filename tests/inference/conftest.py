"""Fixtures of the inference tests: trained-model directories in tmp_path (helpers in inference_models)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from inference_models import FEATURES, save_keras_dir, write_manifest

MakeKerasDir = Callable[..., Path]


@pytest.fixture
def make_keras_dir(tmp_path: Path) -> MakeKerasDir:
    """save_keras_dir into a fresh folder of tmp_path."""
    counter = iter(range(1000))
    return lambda models, **kw: save_keras_dir(tmp_path / f"keras{next(counter)}", models, **kw)


@pytest.fixture
def make_bdt_dir(tmp_path: Path) -> Callable[..., Path]:
    """Save boosters (one per fold) with a manifest; returns the directory."""

    def make(boosters: list, name: str = "bdt") -> Path:
        directory = tmp_path / name
        directory.mkdir()
        files = []
        for i, booster in enumerate(boosters):
            booster.save_model(str(directory / f"fold{i}.json"))
            files.append(f"fold{i}.json")
        return write_manifest(
            directory, kind="bdt", backend="xgboost", files=files, features=FEATURES, score="probability"
        )

    return make
