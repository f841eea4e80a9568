"""Access to the compiled C++ helpers: inside ROOT's interpreter (for RDataFrame) and as a numpy module."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from types import ModuleType

from higgshunt.errors import NativeLibraryError

NATIVE_DIR = Path(__file__).resolve().parent / "_native"
LIBRARY = NATIVE_DIR / "libhiggshunt.so"
INCLUDE_DIR = NATIVE_DIR / "include"
UMBRELLA_HEADER = "higgshunt/higgshunt.hpp"

_lock = threading.Lock()
_loaded_into_root = False


def _require_built() -> None:
    if not LIBRARY.exists() or not (INCLUDE_DIR / UMBRELLA_HEADER).exists():
        raise NativeLibraryError(
            f"higgshunt's C++ library is not built ({LIBRARY} missing): run `make build` in the repository"
        )


def load_into_root() -> None:
    """Load libhiggshunt into ROOT and declare its headers, so RDataFrame expressions can call the helpers.

    Idempotent and thread-safe; the interpreter declaration happens once per process.
    """
    global _loaded_into_root
    with _lock:
        if _loaded_into_root:
            return
        _require_built()
        import ROOT

        ROOT.gInterpreter.AddIncludePath(str(INCLUDE_DIR))
        if ROOT.gSystem.Load(str(LIBRARY)) < 0:
            raise NativeLibraryError(f"ROOT could not load {LIBRARY}")
        if not ROOT.gInterpreter.Declare(f'#include "{UMBRELLA_HEADER}"'):
            raise NativeLibraryError(f"ROOT could not declare {INCLUDE_DIR / UMBRELLA_HEADER}")
        _loaded_into_root = True


def core() -> ModuleType:
    """The pybind11 module `higgshunt._native._core` (numpy interface to the same C++ functions)."""
    _require_built()
    try:
        return importlib.import_module("higgshunt._native._core")  # built by CMake, unknown to type checkers
    except ImportError as exc:
        raise NativeLibraryError(f"cannot import the pybind11 module from {NATIVE_DIR}: {exc}") from exc
