"""The compile cache: keyed by source + helper library + ROOT version, corrupt entries rebuilt, one build
under concurrent requests."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from higgshunt.eventloop.compiled import cache

SOURCE = 'extern "C" int higgshunt_cache_probe() { return 42; }\n'


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIGGSHUNT_COMPILE_CACHE", str(tmp_path))
    monkeypatch.setattr(cache, "REPORT", cache.CacheReport())
    return tmp_path


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HIGGSHUNT_COMPILE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "higgshunt" / "compiled"


def test_compile_cache_is_not_the_read_ahead_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from higgshunt.eventloop.remote import RemoteSettings

    monkeypatch.setenv("HIGGSHUNT_COMPILE_CACHE", str(tmp_path / "compiled"))
    monkeypatch.delenv("HIGGSHUNT_READAHEAD_DIR", raising=False)
    assert cache.cache_dir() == tmp_path / "compiled"
    assert RemoteSettings.from_environment().cache_dir is None  # root:// is read directly by default
    monkeypatch.setenv("HIGGSHUNT_READAHEAD_DIR", str(tmp_path / "ahead"))
    assert RemoteSettings.from_environment().cache_dir == tmp_path / "ahead"
    assert cache.cache_dir() == tmp_path / "compiled"


def test_key_changes_with_source_helper_library_and_root(monkeypatch: pytest.MonkeyPatch) -> None:
    import ROOT

    base = cache.key(SOURCE)
    assert cache.key(SOURCE + "\n") != base
    real_digest = cache._file_digest
    monkeypatch.setattr(cache, "_file_digest", lambda path: "other" + real_digest(path))
    assert cache.key(SOURCE) != base
    monkeypatch.setattr(cache, "_file_digest", real_digest)
    monkeypatch.setattr(ROOT.gROOT, "GetVersion", lambda: "9.99/99")
    assert cache.key(SOURCE) != base
    monkeypatch.undo()
    # the library's run path names the helper library's folder: another checkout's entry is not this one's
    monkeypatch.setattr(cache.native, "LIBRARY", Path("/elsewhere/libhiggshunt.so"))
    monkeypatch.setattr(cache, "_file_digest", lambda path: "same bytes")
    elsewhere = cache.key(SOURCE)
    monkeypatch.setattr(cache.native, "LIBRARY", Path("/another/libhiggshunt.so"))
    assert cache.key(SOURCE) != elsewhere


def test_miss_then_hit_and_corrupt_entry_rebuilt(cache_folder: Path) -> None:
    first = cache.library(SOURCE)
    assert (cache.REPORT.misses, cache.REPORT.hits) == (1, 0)
    assert cache.REPORT.compile_seconds > 0
    assert cache.library(SOURCE) == first
    assert cache.REPORT.hits == 1
    first.write_bytes(first.read_bytes()[:100])  # a truncated library must never be loaded
    rebuilt = cache.library(SOURCE)
    assert cache.REPORT.misses == 2
    assert cache._intact(rebuilt, rebuilt.with_suffix(".json"))
    assert not list(cache_folder.glob(".*.so*"))  # no staged leftovers


def test_concurrent_requests_compile_once(cache_folder: Path) -> None:
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(cache.library(SOURCE))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert (cache.REPORT.misses, cache.REPORT.hits) == (1, 1)


def test_compile_error_names_the_line(cache_folder: Path) -> None:
    with pytest.raises(cache.CompileError) as caught:
        cache.library("int a = ;\n")
    assert caught.value.line == 1


def test_an_unwritable_cache_is_a_compile_error(cache_folder: Path) -> None:
    """A cache folder that cannot be written (here: a file stands in its place) is reported like a rejected
    source, so the caller falls back to ROOT's JIT instead of failing the run."""
    blocked = cache_folder / "blocked"
    blocked.write_text("not a folder")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIGGSHUNT_COMPILE_CACHE", str(blocked / "compiled"))
        with pytest.raises(cache.CompileError, match="cannot write the compile cache") as caught:
            cache.library(SOURCE)
    assert caught.value.line is None
