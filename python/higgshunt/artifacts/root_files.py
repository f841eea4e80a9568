"""What every ROOT file higgshunt reads or writes shares: opening with ROOT's own printout silenced (the
caller reports the problem in one line), refusing unreadable, truncated or recovered files, and checking a
written file before it is renamed (ROOT reports a failed write, e.g. a full disk, only as a printed
SysError)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from higgshunt.artifacts.checks import failure_cause
from higgshunt.errors import HiggshuntError, OutputError


@contextmanager
def quiet_root() -> Iterator[None]:
    """Silence ROOT's error printout inside the block (errors are then checked and reported by the caller)."""
    import ROOT

    level = ROOT.gErrorIgnoreLevel
    ROOT.gErrorIgnoreLevel = ROOT.kFatal
    try:
        yield
    finally:
        ROOT.gErrorIgnoreLevel = level


def open_root(path: str | Path, error: type[HiggshuntError], what: str) -> Any:
    """The ROOT file at `path` opened for reading; `error` naming the file and `what` it should be when it
    is missing, not a ROOT file, corrupt, or truncated (ROOT had to recover it). Close it after use."""
    import ROOT

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file (expected {what})")
    handle = open_file(path)
    if handle is None:
        raise error(
            f"{path}: not a readable ROOT file (empty, corrupt or of another format; expected {what})"
        )
    if handle.TestBit(ROOT.TFile.kRecovered):
        handle.Close()
        raise error(f"{path}: truncated or not closed properly (ROOT had to recover it); expected {what}")
    return handle


def open_file(path: str | Path, mode: str = "READ", *options: Any) -> Any:
    """`TFile.Open(path, mode, *options)` with ROOT's complaint silenced; None when ROOT cannot open it
    (PyROOT raises, or a zombie)."""
    import ROOT

    with quiet_root():
        try:
            handle = ROOT.TFile.Open(str(path), mode, *options)
        except OSError:  # PyROOT raises where ROOT returns no file
            return None
    if handle and handle.IsZombie():
        handle.Close()
        return None
    return handle or None


def missing_keys(handle: Any, names: Iterable[str]) -> list[str]:
    """Those of `names` ("dir/name" for objects in directories) that the open file `handle` lacks."""
    with quiet_root():
        return [name for name in names if not handle.Get(name)]


class RootErrors:
    """ROOT errors reported during a `captured_root_errors` block: `first` is the first SysError (a failed
    system call), else the first error ("" for none)."""

    first: str = ""

    @property
    def cause(self) -> str:
        """The first error's cause: the system's text of a SysError ("File too large"), else the message."""
        match = re.search(r"\(-?\d+\) (.+)$", self.first)
        return match.group(1) if match else self.first


_HANDLER = r"""
#include <string>
#include "TError.h"
namespace higgshunt_root_errors {
std::string first, system;  // the first error, the first SysError (its text ends with the system's cause)
ErrorHandlerFunc_t previous = nullptr;
void record(int level, Bool_t abort, const char* location, const char* message) {
  if (level >= kError && level < kFatal) {
    std::string& slot = level >= kSysError ? system : first;
    if (slot.empty()) slot = std::string(location) + ": " + message;
  } else if (previous) {
    previous(level, abort, location, message);
  }
}
void start() { first.clear(); system.clear(); previous = SetErrorHandler(record); }
std::string stop() { SetErrorHandler(previous); return system.empty() ? first : system; }
}
"""


@contextmanager
def captured_root_errors() -> Iterator[RootErrors]:
    """Collect ROOT's errors inside the block instead of printing them (warnings and fatal errors still
    print); ROOT reports failed writes only this way, so a writer checks `first` afterwards."""
    import ROOT

    if not hasattr(ROOT, "higgshunt_root_errors"):
        ROOT.gInterpreter.Declare(_HANDLER)
    errors = RootErrors()
    ROOT.higgshunt_root_errors.start()
    try:
        yield errors
    finally:
        errors.first = str(ROOT.higgshunt_root_errors.stop())


def write_root(tmp: Path, final: Path, fill: Callable[[Any], None]) -> None:
    """Create the ROOT file `tmp`, let `fill(handle)` write into it and close it; OutputError naming `final`
    when ROOT reports an error (e.g. "File too large") or `fill` returns with an object unwritten."""
    import ROOT

    with captured_root_errors() as errors:
        handle = ROOT.TFile.Open(str(tmp), "RECREATE")
        if not handle or handle.IsZombie():
            raise OutputError(f"{final}: cannot create the ROOT file ({errors.cause or 'unknown cause'})")
        try:
            fill(handle)
        finally:
            handle.Close()
    if errors.first:
        raise OutputError(f"{final}: cannot write ({errors.cause})")


def check_written(tmp: Path, final: Path, expected: Iterable[str] | Mapping[str, int | None]) -> None:
    """OutputError naming `final` unless the written file `tmp` opens cleanly (not a zombie, not recovered)
    and holds every object of `expected` ("dir/name" for objects in directories); with a mapping, trees
    must hold the given number of entries (None: any number)."""
    import ROOT

    handle = open_file(tmp)
    if handle is not None and handle.TestBit(ROOT.TFile.kRecovered):
        handle.Close()
        handle = None
    if handle is None:
        cause = failure_cause(tmp, "the written ROOT file does not read back whole")
        raise OutputError(f"{final}: cannot write ({cause})")
    try:
        missing = missing_keys(handle, expected)
        entries = expected if isinstance(expected, Mapping) else {}
        short = [
            f"'{name}' holds {int(handle.Get(name).GetEntries())} entries, {count} were written"
            for name, count in entries.items()
            if count is not None and name not in missing and int(handle.Get(name).GetEntries()) != count
        ]
    finally:
        handle.Close()
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        # a file cut short by a size limit or a full disk also lacks objects: the system's reason first
        cause = failure_cause(tmp, f"the written ROOT file lacks {shown}")
        raise OutputError(f"{final}: cannot write ({cause})")
    if short:
        raise OutputError(f"{final}: cannot write ({short[0]})")
