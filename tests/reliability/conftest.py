"""Fixtures of the reliability suite: the shared inputs of the command cases, made once per session."""

from __future__ import annotations

import pytest
from reliability_cases import Inputs
from reliability_harness import REAL_4LEP_FILE, chattr_works


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    """Tables, corrupt and foreign files, a histogram and a trained model (made with the real command)."""
    if not REAL_4LEP_FILE.exists():
        pytest.skip(f"reference file {REAL_4LEP_FILE} is not available")
    return Inputs(tmp_path_factory.mktemp("inputs")).make()


@pytest.fixture(scope="session")
def no_chattr(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Why folders cannot be made unwritable here (None when `chattr +i` works)."""
    return chattr_works(tmp_path_factory.mktemp("chattr"))
