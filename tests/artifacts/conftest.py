"""What the artifact tests share: a save run in a child process on a full disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture
def save_on_a_full_disk(run_limited: Any, tmp_path: Path) -> Callable[[str, str, int], str]:
    """`save_on_a_full_disk(module, call, limit)`: in a child process whose files are limited to `limit`
    bytes, import the test module `module` as `test` and run the statement `call` (`folder` is tmp_path);
    returns the message of the OutputError it must end with (and nothing of ROOT's printed)."""

    def run(module: str, call: str, limit: int) -> str:
        script = (
            f"import sys\nsys.path.insert(0, {str(HERE)!r})\nimport {module} as test\n"
            f"folder = {str(tmp_path)!r}\n{call}\n"
        )
        done = run_limited(script, limit=limit)
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        assert done.returncode == 1 and last.startswith("higgshunt.errors.OutputError: "), done.stderr
        assert "SysError" not in done.stderr  # ROOT's own report of the failed write is not printed
        return last.removeprefix("higgshunt.errors.OutputError: ")

    return run
