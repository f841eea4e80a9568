"""Compile generated C++ once into a shared library kept under the user's cache folder.

The key hashes the source, the helper library (its bytes and the folder it is linked from), ROOT (its
version and folder) and the compiler flags, so a change to any of them is a
new entry. An entry is written under a temporary name and renamed, under a file lock (parallel processes
build it once); its library's SHA-256 is recorded beside it and checked before every load, so a corrupt
or truncated entry is rebuilt, never loaded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from higgshunt import native

log = logging.getLogger(__name__)

COMPILER_FLAGS = ("-O2", "-std=c++17", "-fPIC", "-shared", "-pthread", "-w")


@dataclass
class CacheReport:
    """What the compiled graphs did in this process: cache hits and misses, seconds spent compiling, graphs
    run compiled and through ROOT's JIT, and the config keys that sent a graph to the JIT."""

    hits: int = 0
    misses: int = 0
    compile_seconds: float = 0.0
    compiled_graphs: int = 0
    jit_graphs: int = 0
    fallbacks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "compiled_graphs": self.compiled_graphs,
            "jit_graphs": self.jit_graphs,
            "cache_hits": self.hits,
            "cache_misses": self.misses,
            "compile_seconds": round(self.compile_seconds, 3),
            "jit_fallbacks": list(self.fallbacks),
        }

    def since(self, earlier: CacheReport) -> CacheReport:
        """What happened after `earlier` (a copy taken before)."""
        return CacheReport(
            self.hits - earlier.hits,
            self.misses - earlier.misses,
            self.compile_seconds - earlier.compile_seconds,
            self.compiled_graphs - earlier.compiled_graphs,
            self.jit_graphs - earlier.jit_graphs,
            self.fallbacks[len(earlier.fallbacks) :],
        )

    def line(self) -> str:
        """One line for the terminal and the log."""
        text = (
            f"graphs: {self.compiled_graphs} compiled (cache: {self.hits} hit(s), {self.misses} miss(es), "
            f"{self.compile_seconds:.1f} s compiling), {self.jit_graphs} through ROOT's JIT"
        )
        return text + (f" (fallback: {'; '.join(self.fallbacks)})" if self.fallbacks else "")


REPORT = CacheReport()
_compiler_checked = False


class CompileError(Exception):
    """g++ rejected the generated source (`line`: the first source line it complained about), or the cache
    folder cannot hold the library (full disk, no permission; `line` None)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def cache_dir() -> Path:
    """$HIGGSHUNT_COMPILE_CACHE, else $XDG_CACHE_HOME/higgshunt/compiled, else ~/.cache/higgshunt/compiled
    (the remote read-ahead cache is another folder, $HIGGSHUNT_READAHEAD_DIR)."""
    explicit = os.environ.get("HIGGSHUNT_COMPILE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "higgshunt" / "compiled"


def root_dir() -> Path:
    import ROOT

    return Path(ROOT.__file__).resolve().parent


def key(source: str) -> str:
    import ROOT

    digest = hashlib.sha256()
    for part in (
        source.encode(),
        _file_digest(native.LIBRARY).encode(),
        # the library's run path names both folders: a library built for another checkout cannot load here
        str(native.LIBRARY.resolve().parent).encode(),
        str(root_dir() / "lib").encode(),
        str(ROOT.gROOT.GetVersion()).encode(),
        " ".join(COMPILER_FLAGS).encode(),
    ):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def library(source: str) -> Path:
    """The compiled library of `source`: loaded from the cache when intact, else compiled and stored.

    Raises:
        CompileError: g++ rejects the source, or the cache folder cannot be written.
    """
    folder = cache_dir()
    try:
        return _cached_or_compiled(source, folder)
    except OSError as exc:
        raise CompileError(f"cannot write the compile cache {folder}: {exc.strerror or exc}", None) from exc


def _cached_or_compiled(source: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entry = key(source)
    target, meta = folder / f"{entry}.so", folder / f"{entry}.json"
    if _intact(target, meta):
        REPORT.hits += 1
        log.info("compiled graph: cache hit %s", target)
        return target
    with open(folder / f"{entry}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same entry: wait for it
        if _intact(target, meta):
            REPORT.hits += 1
            return target
        REPORT.misses += 1
        start = time.perf_counter()
        _compile(source, folder, target, meta)
        seconds = time.perf_counter() - start
        REPORT.compile_seconds += seconds
        log.info("compiled graph: cache miss, compiled %s in %.1f s", target, seconds)
    return target


def _compile(source: str, folder: Path, target: Path, meta: Path) -> None:
    root = root_dir()
    with tempfile.TemporaryDirectory(prefix=".build-", dir=folder) as scratch:
        cpp = Path(scratch) / "graph.cpp"
        cpp.write_text(source)
        built = Path(scratch) / "graph.so"
        command = [
            os.environ.get("CXX", "g++"),
            *COMPILER_FLAGS,
            f"-I{root / 'include'}",
            f"-I{native.INCLUDE_DIR}",
            str(cpp),
            "-o",
            str(built),
            f"-L{root / 'lib'}",
            f"-Wl,-rpath,{root / 'lib'}",
            f"-L{native.LIBRARY.parent}",
            f"-Wl,-rpath,{native.LIBRARY.parent}",
            "-lhiggshunt",
            "-lROOTDataFrame",
            "-lCore",
            "-lTree",
            "-lRIO",
            "-lROOTVecOps",
            "-lHist",
            "-lMathCore",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CompileError(_first_error(done.stderr), _error_line(done.stderr, cpp))
        staged = folder / f".{target.name}.{os.getpid()}"
        os.replace(built, staged)
        meta.with_suffix(".tmp").write_text(json.dumps({"sha256": _file_digest(staged)}))
        os.replace(meta.with_suffix(".tmp"), meta)
        os.replace(staged, target)


def _intact(target: Path, meta: Path) -> bool:
    if not (target.exists() and meta.exists()):
        return False
    try:
        expected = json.loads(meta.read_text())["sha256"]
    except (ValueError, KeyError, OSError):
        expected = None
    if expected == _file_digest(target):
        return True
    log.warning("compiled graph: cache entry %s is corrupt: rebuilt", target)
    target.unlink(missing_ok=True)
    return False


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return line.split("error:", 1)[-1].strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "g++ failed"


def _error_line(stderr: str, cpp: Path) -> int | None:
    for line in stderr.splitlines():
        if line.startswith(f"{cpp}:") and "error" in line:
            parts = line.split(":")
            if len(parts) > 1 and parts[1].isdigit():
                return int(parts[1])
    return None


def compiler_available() -> bool:
    """Whether the C++ compiler ($CXX, else g++) is on the PATH; logged once when it is not."""
    global _compiler_checked
    found = shutil.which(os.environ.get("CXX", "g++")) is not None
    if not found and not _compiler_checked:
        log.warning("no C++ compiler (%s) found: ROOT's JIT runs the graphs", os.environ.get("CXX", "g++"))
    _compiler_checked = True
    return found


def enabled() -> bool:
    """Compiled code (graphs, tree ensembles) is the default when a C++ compiler is found;
    HIGGSHUNT_COMPILED=0 turns it off."""
    if os.environ.get("HIGGSHUNT_COMPILED", "1") == "0":
        return False
    return compiler_available()
