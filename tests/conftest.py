"""Shared fixtures: the repository's paths and the read-only reference material in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_4LEP_FILE = SHARED / "data" / "atlas_opendata_13tev" / "data_A.4lep.root"
COMPETITOR_DIR = SHARED / "models" / "labcourse_baseline"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def real_4lep_file() -> Path:
    """The real ATLAS Open Data file (39 events); tests may read it, never write it."""
    if not REAL_4LEP_FILE.exists():
        pytest.skip(f"reference file {REAL_4LEP_FILE} is not available")
    return REAL_4LEP_FILE


@pytest.fixture(scope="session")
def limited_env() -> dict[str, str]:
    """Environment of a higgshunt subprocess run under a file-size limit (`ulimit -f`): this checkout's
    package, no bytecode written (a cut-off .pyc breaks later imports) and no optional git locks (the
    provenance's `git describe` killed mid-write would leave the repository's index.lock behind)."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO / "python"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "GIT_OPTIONAL_LOCKS": "0",
    }
