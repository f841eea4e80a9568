"""What the writers of binary files (ROOT, HDF5) share: why a write that the library did not report failed.

ROOT and HDF5 go on after a failed write (no space left, a file-size limit) and leave a truncated file; the
written file is then found damaged when it is opened again before its rename, but the reason is lost.
"""

from __future__ import annotations

from pathlib import Path


def failure_cause(tmp: Path, default: str) -> str:
    """Why the damaged file at `tmp` could not be written: one more byte appended to it raises the system's
    reason (no space left on device, file too large, ...); `default` when it does not."""
    try:
        with tmp.open("ab", buffering=0) as stream:
            stream.write(b"\0")
    except OSError as exc:
        return exc.strerror or str(exc)
    return default
