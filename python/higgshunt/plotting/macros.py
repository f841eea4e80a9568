"""Run the shipped ROOT plotting macros (`macros/`, see `resources.macro_dir`) in batch mode, from Python.

Each macro is called as `root -l -b -q -n 'macros/NAME.C("input", "output", options...)'`. The image is
written under a temporary name and renamed when ROOT has exited cleanly, so a failed plot leaves nothing.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from higgshunt import resources
from higgshunt.errors import HiggshuntError
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

MACRO_DIR = resources.macro_dir()

MacroArg = str | Path | bool | int | float


def root_executable() -> Path:
    """The `root` executable: the one installed beside this Python (the ROOT wheel), else the one on PATH."""
    beside = Path(sys.executable).parent / "root"
    if beside.exists():
        return beside
    found = shutil.which("root")
    if found is None:
        raise HiggshuntError("no `root` executable beside the Python interpreter or on PATH: install ROOT")
    return Path(found)


def run_macro(
    name: str,
    *args: MacroArg,
    output: str | Path,
    compile: bool = False,
    timeout: float = 300.0,
    macro_dir: Path = MACRO_DIR,
) -> Path:
    """Run the macro `name` (e.g. "plot_stack") in batch mode and return the path of the image it wrote.

    Args:
        name: the macro's file name without `.C`.
        args: the macro's arguments except the output: its input file first, then its options in order.
            Strings and paths become C++ string literals, booleans `true`/`false`, numbers themselves.
        output: the image to write; its extension chooses the format (.png, .pdf, .svg, .eps, or .root
            for the canvas itself).
        compile: compile the macro with ACLiC (`NAME.C+`) in a temporary build directory instead of
            interpreting it.
        timeout: seconds before ROOT is stopped.
        macro_dir: the folder holding the macros.

    Raises:
        HiggshuntError: the macro is missing, ROOT exits non-zero (the message is the macro's last error
            line), ROOT times out, or no non-empty image was written.
    """
    macro = Path(macro_dir) / f"{name}.C"
    if not macro.is_file():
        raise HiggshuntError(f"no macro '{name}' in {macro_dir} (expected {macro})")
    if not args:
        raise HiggshuntError(f"{name}: no input file given")
    output = Path(output)
    with atomic_output(output) as tmp, tempfile.TemporaryDirectory(prefix="aclic-") as build_dir:
        call_args = [args[0], tmp.resolve(), *args[1:]]
        command = [str(root_executable()), "-l", "-b", "-q", "-n"]
        if compile:  # ACLiC would otherwise put its libraries beside the macro
            command += ["-e", f"gSystem->SetBuildDir({_literal(build_dir)}, true)"]
        command.append(f"{macro}{'+' if compile else ''}({', '.join(_literal(a) for a in call_args)})")
        log.debug("running %s", " ".join(command))
        _run(name, command, timeout, renamed={str(tmp.resolve()): str(output)})
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise HiggshuntError(f"{name}: ROOT exited cleanly but wrote no image {output}")
    log.info("%s wrote %s", name, output)
    return output


def _run(name: str, command: list[str], timeout: float, renamed: dict[str, str]) -> None:
    """Run ROOT; a non-zero exit becomes a HiggshuntError carrying the macro's last error line, in which the
    temporary paths (keys of `renamed`) are replaced by the ones the caller knows."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}  # the wheel's `root` launcher warns on every start
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise HiggshuntError(f"{name}: ROOT did not finish within {timeout:g} s") from exc
    if done.returncode != 0:
        message = _error_line(name, done.stderr, done.returncode)
        for temporary, final in renamed.items():
            message = message.replace(temporary, final)
        raise HiggshuntError(message)


def _error_line(name: str, stderr: str, returncode: int) -> str:
    """The macro's own `NAME: error: ...` line, else ROOT's last error, else its last line of output."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line for line in lines if line.startswith(f"{name}: error:")]
    if own:
        return own[-1]
    errors = [line for line in lines if "error" in line.lower()]
    last = (errors or lines or [f"exit code {returncode}"])[-1]
    return f"{name}: error: {last} (exit code {returncode})"


def _literal(value: MacroArg) -> str:
    """A macro argument as C++ source: a string literal, `true`/`false` or a number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise HiggshuntError(f"macro argument {value!r} is not a finite number")
        return repr(value)
    text = str(value)
    if "\n" in text:
        raise HiggshuntError(f"macro argument {text!r} contains a line break")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
