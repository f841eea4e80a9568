"""What every ROOT file higgshunt writes shares: a check, before the rename, that the written file reads back.

ROOT reports failed writes (no space left, a file-size limit) by printing a SysError and carrying on, and
`TFile::Close` returns nothing, so a truncated file would otherwise get its final name. Reopening it shows
the damage: the file is a zombie, ROOT had to recover it (no complete key list), or objects are missing.
ROOT's own messages are silenced while writing and checking (`quiet`), so a failure is one OutputError line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from higgshunt.artifacts.checks import failure_cause
from higgshunt.errors import OutputError


@contextmanager
def quiet() -> Iterator[None]:
    """ROOT prints no errors or warnings inside the block (failed writes are found by `verify` instead)."""
    import ROOT

    level = ROOT.gErrorIgnoreLevel
    ROOT.gErrorIgnoreLevel = ROOT.kFatal
    try:
        yield
    finally:
        ROOT.gErrorIgnoreLevel = level


def open_file(path: Path, mode: str, *options: Any) -> Any:
    """`TFile.Open(path, mode, *options)`, None when the file does not open (PyROOT raises, or a zombie)."""
    import ROOT

    try:
        handle = ROOT.TFile.Open(str(path), mode, *options)
    except OSError:  # PyROOT raises where ROOT returns no file
        return None
    return None if not handle or handle.IsZombie() else handle


def verify(tmp: Path, final: Path, expected: Mapping[str, int | None]) -> None:
    """Raise OutputError naming `final` unless the file at `tmp` opens cleanly and holds every object of
    `expected` (name, or path "dir/name"), trees with the given number of entries (None: any number)."""
    import ROOT

    with quiet():
        handle = open_file(tmp, "READ")
    if handle is None:
        raise _failed(tmp, final, "the written file does not open")
    try:
        if handle.TestBit(ROOT.TFile.kRecovered):
            raise _failed(tmp, final, "the written file is incomplete")
        for name, entries in expected.items():
            item = handle.Get(name)
            if not item:
                raise _failed(tmp, final, f"the written file lacks {name}")
            if entries is not None and int(item.GetEntries()) != entries:
                raise OutputError(
                    f"{final}: cannot write ('{name}' holds {int(item.GetEntries())} entries, {entries} were "
                    "written)"
                )
    finally:
        handle.Close()


def _failed(tmp: Path, final: Path, default: str) -> OutputError:
    return OutputError(f"{final}: cannot write ({failure_cause(tmp, default)})")
