"""Fixtures of the bump-hunt tests: tiny samples, a tiny XGBoost model, configs, and one complete run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from bumphunt_inputs import SAMPLES, events, skim_config, train_model, write_ntuple

MakeConfig = Callable[..., Path]


def _data(path: Path, n_signal: int, n_background: int, seed: int) -> Path:
    signal = events("signal", n_signal, seed, 500_000)
    background = events("background", n_background, seed + 1, 600_000)
    merged = {
        name: list(signal[name]) + list(background[name])
        if isinstance(signal[name], list)
        else np.concatenate([signal[name], background[name]])
        for name in signal
    }
    return write_ntuple(path, merged)


@pytest.fixture(scope="session")
def inputs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Simulated samples, two pseudo-data files (data.root, other_data.root) and a model directory."""
    directory = tmp_path_factory.mktemp("bumphunt_inputs")
    for position, (name, (kind, n, _, _, seed)) in enumerate(SAMPLES.items()):
        write_ntuple(directory / f"{name}.root", events(kind, n, seed, 100_000 * position))
    _data(directory / "data.root", 30, 300, 21)
    _data(directory / "other_data.root", 60, 150, 31)
    train_model(directory / "model")
    return directory


@pytest.fixture(scope="session")
def make_config(inputs_dir: Path) -> MakeConfig:
    """Write a skim config and a bump-hunt config into a folder; returns the bump-hunt config's path.

    Keyword arguments update the bump-hunt config; `skim_updates` updates the skim config, `data` names the
    data files (in inputs_dir), `files` replaces simulated files by name.
    """

    def make(
        folder: Path,
        *,
        skim_updates: dict[str, Any] | None = None,
        data: tuple[str, ...] = ("data.root",),
        files: dict[str, str] | None = None,
        **updates: Any,
    ) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {name: inputs_dir / f"{name}.root" for name in SAMPLES}
        paths.update({name: Path(path) for name, path in (files or {}).items()})
        skim_raw = {**skim_config(paths, [inputs_dir / name for name in data]), **(skim_updates or {})}
        (folder / "skim.yaml").write_text(yaml.safe_dump(skim_raw, sort_keys=False))
        raw: dict[str, Any] = {
            "skim": "skim.yaml",
            "model": str(inputs_dir / "model"),
            "mass": {"feature": "m4l", "bins": 24, "low": 80.0, "high": 170.0, "title": "m_{4l} [GeV]"},
            "window": [117.5, 132.5],
            "score": {"bins": 50, "low": 0.0, "high": 1.0},
            "optimisation": {"categories": 2, "min_background": 1.0, "min_effective_events": 5.0},
            "processes": [{"name": "H125", "title": "H (125 GeV)", "samples": ["signal_h125"]}],
            "fit": {"signal": "gauss", "background": "exp", "signal_mass": 125.0},
            "output": str(folder / "out"),
            "seed": 7,
        }
        raw.update(updates)
        path = folder / "bumphunt.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        return path

    return make


@pytest.fixture(scope="session")
def hunt(make_config: MakeConfig, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One complete run (fits and plots) on the tiny samples."""
    from higgshunt import bumphunt

    path = make_config(tmp_path_factory.mktemp("hunt"))
    return bumphunt.run(bumphunt.load(path), progress=False)
