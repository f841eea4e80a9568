"""Local XRootD and HTTP servers on 127.0.0.2 (ROOT reads root://localhost and 127.0.0.1 as local files)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from range_http import RangeServer
from server_processes import stop

HOST = "127.0.0.2"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"xrootd exited with {process.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"xrootd did not listen on {HOST}:{port}")


@pytest.fixture(scope="session")
def served_dir(real_4lep_file: Path) -> Iterator[Path]:
    """A directory the servers export, holding a copy of the real file. xrootd runs as `nobody`, which cannot
    enter pytest's private temporary tree: this one is a world-readable directory of its own."""
    folder = Path(tempfile.mkdtemp(prefix="higgshunt-served-"))
    try:
        folder.chmod(0o755)
        shutil.copy(real_4lep_file, folder / real_4lep_file.name)
        (folder / real_4lep_file.name).chmod(0o644)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def xrootd_url(served_dir: Path) -> Iterator[str]:
    """root://127.0.0.2:PORT/ of an xrootd server exporting served_dir; stopped after the tests."""
    binary = shutil.which("xrootd")
    if binary is None:
        pytest.fail("xrootd is not installed (Debian package xrootd-server; .ci/run installs it)")
    work = Path(tempfile.mkdtemp(prefix="higgshunt-xrootd-"))
    work.chmod(0o777)  # log and admin files written by nobody
    port = _free_port()
    config = work / "xrootd.cfg"
    config.write_text(
        f"all.export {served_dir}\nxrd.port {port}\nxrd.network nodnr\n"
        f"all.adminpath {work}\nall.pidpath {work}\n"
    )
    log = work / "xrootd.log"
    process = subprocess.Popen(
        [binary, "-R", "nobody", "-c", str(config), "-l", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, log)
        yield f"root://{HOST}:{port}/"
    finally:
        stop(process)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def http_server(served_dir: Path) -> Iterator[RangeServer]:
    """A fresh range-capable HTTP server on 127.0.0.2 for each test (its failure knobs are per test)."""
    server = RangeServer(served_dir, HOST).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Short back-off; http(s) copies go to a per-test cache (root:// is read directly unless a test sets
    HIGGSHUNT_READAHEAD_DIR itself), so tests stay fast and independent."""
    monkeypatch.setenv("HIGGSHUNT_REMOTE_BACKOFF", "0.05")
    monkeypatch.setenv("HIGGSHUNT_REMOTE_RETRIES", "2")
    monkeypatch.delenv("HIGGSHUNT_READAHEAD_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # the default http(s) cache is ~/.cache/higgshunt/remote
    return tmp_path / ".cache" / "higgshunt" / "remote"
