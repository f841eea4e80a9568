"""Where the shipped files and the built-in data live, in a source checkout and in an installed package alike.

- Shipped folders (`configs/`, `macros/`): package data of an installed wheel (`higgshunt/configs`,
  `higgshunt/macros`), the repository's top-level folders when running from a source checkout.
- The data root, against which the built-in data paths (`data/generated/...`) are taken: `$HIGGSHUNT_ROOT`
  when set, else the repository of a source checkout, else the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from higgshunt.errors import ConfigError, HiggshuntError

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_VARIABLE = "HIGGSHUNT_ROOT"
CONFIG_SUFFIX = ".yaml"


def source_checkout() -> Path | None:
    """The repository root when higgshunt runs from a source checkout (`python/higgshunt`), else None."""
    root = PACKAGE_DIR.parents[1]
    if PACKAGE_DIR.parent.name == "python" and (root / "pyproject.toml").is_file():
        return root
    return None


def shipped(folder: str) -> Path:
    """A folder shipped with higgshunt ("configs" or "macros")."""
    packaged = PACKAGE_DIR / folder
    if packaged.is_dir():
        return packaged
    checkout = source_checkout()
    if checkout is not None and (checkout / folder).is_dir():
        return checkout / folder
    raise HiggshuntError(f"the shipped folder {folder}/ is missing beside {PACKAGE_DIR}: reinstall higgshunt")


def config_dir() -> Path:
    """The folder of the shipped configs."""
    return shipped("configs")


def macro_dir() -> Path:
    """The folder of the ROOT plotting macros."""
    return shipped("macros")


def config_file(name: str | Path) -> Path:
    """A config named on the command line: an existing file as given, else the shipped config of that name
    (`hzz4l` or `hzz4l.yaml`); a missing file is returned as given, for the loader to report."""
    path = Path(name)
    if path.exists() or len(path.parts) != 1:
        return path
    candidate = config_dir() / (path.name if path.suffix else path.name + CONFIG_SUFFIX)
    return candidate if candidate.is_file() else path


def shipped_config(name: str) -> Path:
    """The shipped config `name` (without `.yaml`), e.g. "samples"."""
    path = config_dir() / (name + CONFIG_SUFFIX)
    if not path.is_file():
        raise ConfigError(f"{path}: no shipped config named {name!r}")
    return path


def data_root() -> Path:
    """The folder the built-in data paths are relative to (see the module docstring)."""
    configured = os.environ.get(ROOT_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return source_checkout() or Path.cwd()


def builtin_data(relative: str | Path) -> Path:
    """A built-in data path (e.g. `data/generated/samples.json`) resolved against the data root; absolute
    paths are returned unchanged."""
    path = Path(relative).expanduser()
    return path if path.is_absolute() else data_root() / path


def relative_to_file(value: str | Path, source: str | Path) -> Path:
    """A path written in the config file `source`: relative paths are taken from the file's folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(source).resolve().parent / path
