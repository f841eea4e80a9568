"""The compiled library loads into ROOT and as a Python module; a missing build gives a clear error."""

import pytest
from higgshunt import native
from higgshunt.errors import NativeLibraryError


def test_pybind_module_is_importable() -> None:
    core = native.core()
    assert core.__name__ == "higgshunt._native._core"


def test_library_declared_into_root_once() -> None:
    native.load_into_root()
    native.load_into_root()  # idempotent
    import ROOT

    assert str(native.LIBRARY) in str(ROOT.gSystem.GetLibraries())
    assert str(native.INCLUDE_DIR) in str(ROOT.gInterpreter.GetIncludePath())
    # The helpers are callable from interpreted code, as RDataFrame Define strings do.
    assert ROOT.gInterpreter.Declare("namespace hh_check { float m = higgshunt::DeltaPhi(3.1f, -3.1f); }")


def test_missing_build_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(native, "LIBRARY", tmp_path / "libhiggshunt.so")
    with pytest.raises(NativeLibraryError, match="run `make build`"):
        native.core()
