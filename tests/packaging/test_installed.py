"""A non-editable install finds its shipped configs and macros: `pip install --target` of the repository, then
`higgshunt skim` with the shipped hzz4l config, run from a folder outside the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
# What the build reads: the package metadata, the layout rule and the shipped folders.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "python", "configs", "macros")


def _copy_sources(destination: Path) -> None:
    """A copy of the sources, so the build's own files (build/, *.egg-info) never land in the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder higgshunt was installed into (non-editable, no dependencies)."""
    root = tmp_path_factory.mktemp("install")
    sources, target = root / "src", root / "site"
    sources.mkdir()
    _copy_sources(sources)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--target", str(target), str(sources)],
        check=True,
        capture_output=True,
        cwd=root,
    )
    return target


def _environment(target: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HIGGSHUNT_")}
    env["PYTHONPATH"] = str(target)
    return env


@pytest.mark.slow
def test_installed_package_is_imported_from_the_install(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import higgshunt, higgshunt.resources as r; "
        "print(higgshunt.__file__); print(r.source_checkout()); print(r.config_dir()); print(r.macro_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=_environment(installed),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    module, checkout, configs, macros = out.stdout.split()
    assert Path(module).is_relative_to(installed)
    assert checkout == "None"
    assert (Path(configs) / "hzz4l.yaml").is_file() and Path(configs).is_relative_to(installed)
    assert (Path(macros) / "plot_stack.C").is_file() and Path(macros).is_relative_to(installed)


@pytest.mark.slow
def test_installed_skim_runs_the_shipped_config(
    installed: Path, tmp_path: Path, real_4lep_file: Path
) -> None:
    assert not tmp_path.is_relative_to(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "higgshunt.cli", "skim", "--config", "hzz4l"]
        + ["--input", f"data={real_4lep_file}", "--output", "out"],
        env=_environment(installed),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = tmp_path / "out" / "hzz4l" / "skim.h5"
    assert table.is_file()
    assert len(pd.read_hdf(table, "data")) == 10  # the events passing every cut of the cutflow
