"""The real 4-lepton file skimmed through a local XRootD server and a local HTTP server: same results as the
local path, the network really used, transient errors retried, a vanishing server a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt import skim
from higgshunt.errors import InputError
from higgshunt.eventloop import remote
from higgshunt.eventloop.inputs import check_files
from range_http import RangeServer

REPO = Path(__file__).resolve().parents[2]
NAME = "data_A.4lep.root"


@pytest.fixture(scope="module")
def config() -> skim.SkimConfig:
    return skim.load(REPO / "configs" / "hzz4l.yaml")


@pytest.fixture(scope="module")
def local_rows(config: skim.SkimConfig, served_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    out = tmp_path_factory.mktemp("local")
    result = skim.run(config, output=out, inputs_by_name={"data": [str(served_dir / NAME)]}, progress=False)
    return [cutflow.to_dict()["rows"] for cutflow in result.cutflows]


def _rows(config: skim.SkimConfig, url: str, out: Path) -> object:
    result = skim.run(config, output=out, inputs_by_name={"data": [url]}, progress=False)
    assert (out / "hzz4l" / "skim.h5").exists()
    return [cutflow.to_dict()["rows"] for cutflow in result.cutflows]


def test_xrootd_goes_through_the_network_client(xrootd_url: str, served_dir: Path) -> None:
    import ROOT

    url = f"{xrootd_url}{served_dir / NAME}"
    handle = ROOT.TFile.Open(url)
    try:
        assert handle.ClassName() == "TNetXNGFile"
        assert handle.Get("mini").GetEntries() == 39
    finally:
        handle.Close()


def test_xrootd_skim_matches_local(
    config: skim.SkimConfig, xrootd_url: str, served_dir: Path, local_rows: object, tmp_path: Path
) -> None:
    url = f"{xrootd_url}{served_dir / NAME}"
    assert check_files([url], "mini", ["lep_pt"], skip_bad=False).good == [url]  # read remotely, no copy
    assert _rows(config, url, tmp_path / "out") == local_rows


def test_xrootd_read_ahead_cache(
    config: skim.SkimConfig,
    xrootd_url: str,
    served_dir: Path,
    local_rows: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "xcache"
    monkeypatch.setenv("HIGGSHUNT_READAHEAD_DIR", str(cache))
    url = f"{xrootd_url}{served_dir / NAME}"
    assert _rows(config, url, tmp_path / "out") == local_rows
    (copy,) = cache.iterdir()
    assert copy.read_bytes() == (served_dir / NAME).read_bytes()


def test_http_skim_matches_local_through_the_server(
    config: skim.SkimConfig,
    http_server: RangeServer,
    local_rows: object,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(remote, "CHUNK_BYTES", 4096)  # several ranged requests for the 25 kB file
    url = f"{http_server.url}/{NAME}"
    assert _rows(config, url, tmp_path / "out") == local_rows
    assert http_server.requests >= 5
    served = http_server.requests
    assert _rows(config, url, tmp_path / "again") == local_rows  # the second run reads the cache
    assert http_server.requests == served
    assert len(list(cache_dir.iterdir())) == 1


def test_transient_errors_are_retried(
    config: skim.SkimConfig, http_server: RangeServer, local_rows: object, tmp_path: Path
) -> None:
    http_server.fail_first = 2  # two 503s, two retries allowed
    assert _rows(config, f"{http_server.url}/{NAME}", tmp_path / "out") == local_rows


def test_server_gone_mid_file_one_line_error_nothing_written(
    config: skim.SkimConfig,
    http_server: RangeServer,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(remote, "CHUNK_BYTES", 4096)
    http_server.die_after = 2  # two chunks of the file, then silence
    url = f"{http_server.url}/{NAME}"
    out = tmp_path / "out"
    with pytest.raises(InputError, match="cannot open: copy from the server failed") as info:
        skim.run(config, output=out, inputs_by_name={"data": [url]}, progress=False)
    assert url in str(info.value) and "\n" not in str(info.value)
    assert not out.exists() or not any(out.rglob("*"))
    assert not cache_dir.exists() or not any(cache_dir.iterdir())  # no partial copy left

    result = skim.run(config, output=out, inputs_by_name={"data": [url]}, skip_bad_files=True, progress=False)
    assert list(result.bad_files) == [url] and result.processed == []


def test_missing_remote_file_is_not_retried(http_server: RangeServer) -> None:
    url = f"{http_server.url}/no_such_file.root"
    with pytest.raises(InputError, match="HTTP 404"):
        remote.localise(url)
    assert http_server.requests == 1
