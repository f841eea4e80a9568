"""What produced an output: config, code version and library versions, recorded beside every result."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import higgshunt
from higgshunt import resources

_PACKAGES = (
    "root",
    "numpy",
    "pandas",
    "tables",
    "tensorflow-cpu",
    "keras",
    "xgboost",
    "lightgbm",
    "pythia8mc",
    "fastjet",
    "pyhf",
)


def config_hash(config: Any) -> str:
    """SHA-256 of the config's canonical JSON form: equal configs hash equally whatever their key order."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def code_version() -> str:
    """`git describe` of the source checkout (with `-dirty` for local changes), or the package version when
    higgshunt is installed (its folder may sit inside some unrelated git repository)."""
    checkout = resources.source_checkout()
    if checkout is None:
        return higgshunt.__version__
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return higgshunt.__version__


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "higgshunt": higgshunt.__version__}
    for name in _PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            continue
    root = sys.modules.get("ROOT")
    if root is not None:  # the wheel's version (0.1aN) is not ROOT's own
        versions["ROOT"] = str(root.gROOT.GetVersion())
    return versions


def collect(config: Any = None) -> dict[str, Any]:
    """A provenance record: code version, library versions, and the config with its hash when given."""
    record: dict[str, Any] = {"code_version": code_version(), "versions": library_versions()}
    if config is not None:
        record["config"] = config
        record["config_hash"] = config_hash(config)
    return record
