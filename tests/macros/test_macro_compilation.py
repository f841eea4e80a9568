"""The macros stay compiled-clean: the C++ compiler finds nothing with the project's warning flags."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from higgshunt.plotting.macros import MACRO_DIR

FLAGS = ["-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Wconversion", "-Wshadow", "-Werror"]


@pytest.mark.slow
@pytest.mark.parametrize("macro", ["plot_stack", "plot_cutflow", "plot_roc", "plot_rmm"])
def test_no_warnings_with_project_flags(macro: str) -> None:
    import ROOT

    compiler = shutil.which("c++")
    if compiler is None:
        pytest.skip("no C++ compiler on PATH")
    include = Path(ROOT.__file__).parent / "include"  # the wheel's headers, not root-config's (see anchors)
    done = subprocess.run(
        [compiler, *FLAGS, "-isystem", str(include), str(MACRO_DIR / f"{macro}.C")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
