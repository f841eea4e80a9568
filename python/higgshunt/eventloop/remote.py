"""Remote inputs: retries with back-off, and a local read-ahead cache keyed by URL.

`root://` files are read by ROOT's XRootD client (TNetXNGFile, in the ROOT wheel). The wheel has no working
HTTP plugin (no Davix; its TWebFile handler fails to load), so `http://` and `https://` files are copied into
the local cache by ranged GETs and read from there. `root://` files go through the cache too when a cache
directory is set. Settings come from the environment, so the CLI, the Python API and batch workers agree:

    HIGGSHUNT_REMOTE_RETRIES   attempts after the first for a transient failure (default 3)
    HIGGSHUNT_REMOTE_BACKOFF   first wait in seconds, doubled after each failure (default 1.0)
    HIGGSHUNT_READAHEAD_DIR    read-ahead cache directory (default: none for root://, which is then read
                               directly; ~/.cache/higgshunt/remote for http(s)://)

(The compiled graphs have their own cache, HIGGSHUNT_COMPILE_CACHE: see `eventloop.compiled.cache`.)

A cached copy is named after the SHA-256 of its URL and written under a temporary name, its size checked
against the server's, then renamed: an interrupted copy never looks complete.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from higgshunt.errors import InputError

log = logging.getLogger(__name__)

T = TypeVar("T")
# bytes per ranged GET when copying an http(s) file into the cache
CHUNK_BYTES = 8 * 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")


@dataclass(frozen=True)
class RemoteSettings:
    retries: int = 3
    backoff: float = 1.0
    cache_dir: Path | None = None

    @classmethod
    def from_environment(cls) -> RemoteSettings:
        try:
            retries = int(os.environ.get("HIGGSHUNT_REMOTE_RETRIES", "3"))
            backoff = float(os.environ.get("HIGGSHUNT_REMOTE_BACKOFF", "1.0"))
        except ValueError as exc:
            raise InputError(
                f"HIGGSHUNT_REMOTE_RETRIES/HIGGSHUNT_REMOTE_BACKOFF: expected numbers ({exc})"
            ) from exc
        cache = os.environ.get("HIGGSHUNT_READAHEAD_DIR")
        return cls(max(retries, 0), max(backoff, 0.0), Path(cache) if cache else None)


def scheme(path: str) -> str | None:
    """'root', 'http', ... for a URL, None for a local path."""
    match = re.match(r"^([a-z][a-z0-9+.-]*)://", path)
    return match.group(1) if match else None


def with_retries(action: Callable[[], T], what: str, settings: RemoteSettings) -> T:
    """`action()`, repeated after OSError (a transient failure) with waits of backoff, 2*backoff, ...; the
    last error propagates. Permanent failures are raised as InputError by the action and not retried."""
    for attempt in range(settings.retries + 1):
        try:
            return action()
        except OSError as exc:
            if attempt == settings.retries:
                raise
            wait = settings.backoff * 2**attempt
            log.warning("%s: %s; retrying in %.1f s (%d/%d)", what, exc, wait, attempt + 1, settings.retries)
            time.sleep(wait)
    raise AssertionError("unreachable")


def localise(path: str, settings: RemoteSettings | None = None) -> str:
    """The path ROOT should read: local paths and uncached root:// URLs unchanged, others a cached copy."""
    kind = scheme(path)
    if kind is None or kind == "file":
        return path
    settings = settings or RemoteSettings.from_environment()
    if kind in ("root", "xroot") and settings.cache_dir is None:
        return path
    cache_dir = settings.cache_dir or Path.home() / ".cache" / "higgshunt" / "remote"
    target = cache_dir / (hashlib.sha256(path.encode()).hexdigest() + ".root")
    if target.exists():
        log.info("%s: read from the cache %s", path, target)
        return str(target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".part-{os.getpid()}")
    copy = _copy_http if kind in ("http", "https") else _copy_root
    try:
        with_retries(lambda: copy(path, partial), path, settings)
        partial.rename(target)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: copy from the server failed ({exc})") from exc
    finally:
        partial.unlink(missing_ok=True)
    return str(target)


def _copy_http(url: str, destination: Path) -> None:
    """Ranged GETs of CHUNK_BYTES until the size the server announced is reached."""
    size: int | None = None
    with destination.open("wb") as out:
        while size is None or out.tell() < size:
            start = out.tell()
            request = urllib.request.Request(
                url, headers={"Range": f"bytes={start}-{start + CHUNK_BYTES - 1}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    total = _CONTENT_RANGE.match(answer.headers.get("Content-Range", ""))
                    if answer.status != 206 or total is None:  # the server ignored the range: whole file
                        out.seek(0)
                        out.truncate()
                        out.write(answer.read())
                        size = out.tell()
                        break
                    size = int(total.group(1))
                    chunk = answer.read()
            except urllib.error.HTTPError as exc:
                if exc.code < 500:  # missing file, no permission: asking again will not help
                    raise InputError(f"{url}: cannot open: HTTP {exc.code} {exc.reason}") from exc
                raise OSError(f"HTTP {exc.code} {exc.reason}") from exc
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, socket.gaierror):  # unknown host: not transient either
                    raise InputError(f"{url}: cannot open: {exc.reason}") from exc
                raise OSError(str(exc.reason)) from exc
            except ConnectionError as exc:
                raise OSError(str(exc)) from exc
            if not chunk:
                raise OSError(f"the server sent no data at byte {start} of {size}")
            out.write(chunk)


def _copy_root(url: str, destination: Path) -> None:
    import ROOT

    if not ROOT.TFile.Cp(url, str(destination), False):
        raise OSError("TFile::Cp failed")
