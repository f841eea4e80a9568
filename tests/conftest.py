"""Shared fixtures: the repository's paths and the read-only reference material in ../shared."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_4LEP_FILE = SHARED / "data" / "atlas_opendata_13tev" / "data_A.4lep.root"
COMPETITOR_DIR = SHARED / "models" / "labcourse_baseline"

# Skims compile each distinct graph once (tens of seconds): the tests run ROOT's JIT unless they ask for the
# compiled graphs (tests/compiled sets HIGGSHUNT_COMPILED=1 itself, with its own cache folder).
os.environ.setdefault("HIGGSHUNT_COMPILED", "0")


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
def run_limited() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run_limited(script, *args, limit=BYTES)` runs `python -c script args` with files limited to BYTES
    (`ulimit -f`: writes beyond fail with EFBIG) and returns the finished process (text output).

    The child imports this checkout's package, writes no bytecode (a cut-off .pyc breaks later imports) and
    takes no optional git locks (the provenance's `git describe` cut off would leave index.lock behind)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "python"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "GIT_OPTIONAL_LOCKS": "0",
    }

    def run(script: str, *args: str, limit: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            env=env,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )

    return run
