"""Running the real `higgshunt` command in a subprocess and judging what it did.

Shared by the reliability tests and `sweep.py`. A run is judged on its exit code and stderr (`classify`)
and on the files around it (`judge`): no partial output under a final name, no temporaries left behind,
no user file changed or deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
REAL_4LEP_FILE = SHARED / "data" / "atlas_opendata_13tev" / "data_A.4lep.root"

# The one line a failed command prints: higgshunt's own error, argparse's usage error (after its usage text)
# or the note of an interrupted run.
ERROR_LINE = re.compile(r"^higgshunt( [a-z]+)?: (error: .+|interrupted)$")
# Lines that may come before it: logging records of higgshunt and its libraries, argparse's usage text.
LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING) \S+: |^usage: |^\s+")
TEMPORARY = re.compile(r"^\..+\.tmp-\d+(\..*)?$")

# Outcomes of a run (`classify`), worst first.
TRACEBACK, CRASH, SILENT, FAILED, INTERNAL, CLEAN, OK = (
    "traceback", "crash", "silent", "failed", "internal", "clean", "ok"
)  # fmt: skip


def env() -> dict[str, str]:
    """The environment of a command run: this worktree's package first, no colour, quiet TensorFlow."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(REPO / "python"), out.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out["TF_CPP_MIN_LOG_LEVEL"] = "3"
    out["NO_COLOR"] = "1"
    return out


def file_size_limit(limit_bytes: int) -> Callable[[], None]:
    """A `preexec_fn` that makes the disk "full" after `limit_bytes` per file (ulimit -f): writes beyond it
    fail with EFBIG (Python ignores SIGXFSZ)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def run_cli(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`python -m higgshunt.cli ARGS` with this worktree's package."""
    return subprocess.run(
        [sys.executable, "-m", "higgshunt.cli", *map(str, args)],
        cwd=cwd or REPO,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def error_lines(stderr: str) -> list[str]:
    """The lines of stderr that are neither log records nor argparse's usage text."""
    return [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]


def classify(result: subprocess.CompletedProcess[str], *, expect_error: bool) -> str:
    """TRACEBACK, CRASH (killed by a signal, or a failure without exactly one error line), SILENT (exit 0
    where an error was expected), FAILED (an error where success was expected), INTERNAL (one line, but
    "internal error"), CLEAN (the expected one-line error) or OK."""
    if "Traceback (most recent call last)" in result.stderr:
        return TRACEBACK
    if result.returncode < 0:
        return CRASH
    if result.returncode == 0:
        return SILENT if expect_error else OK
    lines = error_lines(result.stderr)
    if len(lines) != 1 or not ERROR_LINE.match(lines[0]):
        return CRASH
    if "internal error" in lines[0]:
        return INTERNAL
    return CLEAN if expect_error else FAILED


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The run for an assertion message."""
    return (
        f"exit {result.returncode}\n--- stdout\n{result.stdout[-2000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )


def fingerprint(folder: Path) -> dict[str, str]:
    """Relative path -> content hash of every file under `folder` (empty when it does not exist)."""
    if not folder.exists():
        return {}
    if folder.is_file():
        return {".": hashlib.sha256(folder.read_bytes()).hexdigest()}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def temporaries(folders: Sequence[Path]) -> list[Path]:
    """Temporary outputs (`.NAME.tmp-PID...`) left in or below `folders`."""
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.rglob(".*") if TEMPORARY.match(p.name)]
    return found


@contextmanager
def immutable(folder: Path) -> Iterator[Path]:
    """`folder` made immutable with `chattr +i` for the duration (root ignores permission bits); always
    undone, so the test's temporary folder can be removed."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)


def chattr_works(scratch: Path) -> str | None:
    """None when `chattr +i` makes a folder unwritable here, else the reason it does not."""
    probe = scratch / "chattr-probe"
    try:
        with immutable(probe):
            try:
                (probe / "x").write_text("x")
            except OSError:
                return None
            return "chattr +i does not stop writes on this file system"
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"chattr +i is not available here ({exc})"


@dataclass
class Judgement:
    """What one case run did: its outcome and the file problems found."""

    outcome: str
    partial: list[str]
    deleted: list[str]
    result: subprocess.CompletedProcess[str]

    @property
    def problems(self) -> list[str]:
        return self.partial + self.deleted


def judge(
    result: subprocess.CompletedProcess[str],
    *,
    expect_error: bool,
    outputs: Sequence[Path],
    before: dict[Path, dict[str, str]],
    protected: Sequence[Path],
    valid: Callable[[], str | None] | None = None,
) -> Judgement:
    """Judge a run. `outputs` are the final names the command writes; `before` their fingerprints (and those
    of `protected`) before the run. A failed run must leave each output as it was and no temporaries; a
    successful one must pass `valid` (None = valid, else what is wrong). `protected` (user files) must be
    unchanged either way (new files beside them are fine). A run that must fail but exits 0 has its changed
    outputs counted as partial too (e.g. a file cut by a full disk under its final name)."""
    outcome = classify(result, expect_error=expect_error)
    partial: list[str] = []
    if result.returncode != 0 or expect_error:
        partial += [
            f"{p}: changed by a run that failed or must fail" for p in outputs if fingerprint(p) != before[p]
        ]
    elif valid is not None and (problem := valid()) is not None:
        partial.append(problem)
    folders = {p.parent for p in outputs} | {p for p in outputs if p.is_dir()}
    partial += [f"{p}: temporary left behind" for p in temporaries(sorted(folders))]
    deleted = [
        f"{p}: user files changed or deleted" for p in protected if not _kept(before[p], fingerprint(p))
    ]
    return Judgement(outcome, partial, deleted, result)


def _kept(before: dict[str, str], after: dict[str, str]) -> bool:
    return all(after.get(name) == digest for name, digest in before.items())
