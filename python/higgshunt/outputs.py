"""Output safety, one implementation for every command.

- Every output is written under a temporary name beside its final one, checked, and renamed when complete, so
  nothing is ever half-written and a failed run leaves the previous output as it was.
- A folder that higgshunt writes whole carries a marker file (MARKER). An existing folder without it was not
  written by higgshunt and is never deleted or replaced; nor is a folder that holds the command's own input.
- Write failures (no space, file too large, no permission, read-only file system) become one OutputError
  naming the final path and the cause.
- Outputs that belong together (`all_or_nothing`) get their final names together or not at all.
- Temporary names carry the writer's process id; those of processes that no longer run (killed runs) are
  removed the next time anything is written into the same folder.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from higgshunt.errors import OutputError

MARKER = ".higgshunt-output"
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EDQUOT, errno.ENOTDIR}
)
_TEMPORARY = re.compile(r"^\..+\.tmp-(\d+)(\..*)?$")
# the renames `all_or_nothing` holds back until its block ends (None outside such a block)
_deferred: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("deferred_renames", default=None)


@contextmanager
def atomic_output(
    path: str | Path,
    *,
    verify: Callable[[Path], None] | None = None,
    inputs: Iterable[str | Path] = (),
) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on any error it is removed.

    Works for files and directories (a directory gets the MARKER file). `verify(tmp)` runs before the rename
    and raises when the written output cannot be read back. `inputs` are the command's inputs: a `path` that
    is or holds one of them is refused. The temporary name keeps the suffix so that libraries inferring the
    format from it (ROOT, pandas) behave the same.

    Raises:
        OutputError: `path` is a folder higgshunt did not write or holds an input; a write failed; nothing
            was written.
    """
    final = Path(path)
    check_replaceable(final, inputs=inputs)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(final.parent, exc) from exc
    remove_stale_temporaries(final.parent)
    tmp = final.with_name(f".{final.stem}.tmp-{os.getpid()}{final.suffix}")
    _remove(tmp)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{final}: nothing was written")
        if tmp.is_dir():
            (tmp / MARKER).write_text(json.dumps({"written_by": "higgshunt"}) + "\n")
        elif final.is_dir():
            raise OutputError(f"{final}: is a folder; give a file name for this output")
        if verify is not None:
            verify(tmp)
        pending = _deferred.get()
        if pending is None:
            _replace(tmp, final)
        else:
            pending.append((tmp, final))
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS:
            raise _write_error(final, exc) from exc
        raise
    except OutputError as exc:
        # a nested write into the temporary folder: name the final path, which the user knows
        raise OutputError(str(exc).replace(str(tmp), str(final))) from exc
    finally:
        if (tmp, final) not in (_deferred.get() or []):
            _remove(tmp)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Outputs written inside the block with `atomic_output` get their final names together, when the block
    ends without error; after an error none does and every temporary is removed. For outputs that only
    make sense together, such as one sample's histograms, cutflow and table."""
    pending: list[tuple[Path, Path]] = []
    token = _deferred.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            _remove(tmp)
        raise
    finally:
        _deferred.reset(token)
    for tmp, final in pending:
        _replace(tmp, final)


def check_replaceable(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    """Raise OutputError unless `path` may be (re)written: a missing path, a file, an empty folder or a folder
    higgshunt wrote; and in every case not the command's input nor a folder holding it."""
    final = Path(path)
    resolved = final.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == resolved or resolved in source.parents:
            raise OutputError(
                f"{final}: holds this command's input {item}; write the output to another folder"
            )
    if final.is_dir() and not is_higgshunt_folder(final) and any(final.iterdir()):
        raise OutputError(
            f"{final}: exists and was not written by higgshunt (no {MARKER} in it), so it is never "
            "replaced; choose another output folder or remove it yourself"
        )


def is_higgshunt_folder(path: str | Path) -> bool:
    """True for a folder that higgshunt wrote whole (it holds the MARKER file)."""
    return (Path(path) / MARKER).is_file()


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporary outputs in `folder` whose writing process no longer runs; returns them."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match and not _running(int(match.group(1))):
            try:
                _remove(entry)
            except OSError:
                continue
            removed.append(entry)
    return removed


def write_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line error for a failed write of `path`."""
    return _write_error(Path(path), exc)


def _write_error(path: Path, exc: OSError) -> OutputError:
    cause = exc.strerror or str(exc)
    return OutputError(f"{path}: cannot write ({cause})")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replace(tmp: Path, final: Path) -> None:
    _remove(final)
    os.replace(tmp, final)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
