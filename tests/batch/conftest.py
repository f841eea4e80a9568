"""A one-node SLURM cluster on this machine, configured in a temporary directory and stopped afterwards.

Runs as root without systemd: munged with its own key and socket, slurmctld and slurmd in the foreground
with SlurmUser=root, no cgroups (proctrack/linuxproc, task/none), the node's real CPU count and memory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_processes import stop


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[Path]:
    """Path of the slurm.conf of a running one-node cluster; SLURM_CONF points to it during the tests."""
    missing = [
        tool for tool in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch") if not shutil.which(tool)
    ]
    if missing:
        pytest.fail(f"{missing} not installed (Debian packages slurm-wlm and munge; .ci/run installs them)")
    if os.geteuid() != 0:
        pytest.fail("the one-node SLURM cluster is started as root (SlurmUser=root)")
    work = Path(tempfile.mkdtemp(prefix="higgshunt-slurm-"))
    host = socket.gethostname()
    munge_socket = work / "munge.socket"
    conf = work / "slurm.conf"
    for folder in ("state", "spool", "log"):
        (work / folder).mkdir()
    conf.write_text(
        f"""ClusterName=higgshunt
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={work}/state
SlurmdSpoolDir={work}/spool
SlurmctldPidFile={work}/slurmctld.pid
SlurmdPidFile={work}/slurmd.pid
SlurmctldLogFile={work}/log/slurmctld.log
SlurmdLogFile={work}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
NodeName={host} CPUs={os.cpu_count()} RealMemory={_memory_mb()} State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""
    )
    key = work / "munge.key"
    subprocess.run(["mungekey", "--create", "--keyfile", str(key)], check=True, capture_output=True)
    key.chmod(0o600)
    started: list[subprocess.Popen[bytes]] = []
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)  # sbatch, squeue and scancel (run by dask-jobqueue) read it
    try:
        subprocess.run(
            [
                "munged",
                "--force",
                f"--key-file={key}",
                f"--socket={munge_socket}",
                f"--pid-file={work}/munged.pid",
                f"--log-file={work}/log/munged.log",
                f"--seed-file={work}/munged.seed",
            ],
            check=True,
            capture_output=True,
        )  # munged daemonises itself: stopped below through its pid file
        for command in (["slurmctld", "-D", "-f", str(conf)], ["slurmd", "-D", "-f", str(conf), "-N", host]):
            started.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        _wait_until_idle(host, work, started)
        yield conf
    finally:
        for process in reversed(started):
            stop(process)
        munged_pid = work / "munged.pid"
        if munged_pid.exists():
            os.kill(int(munged_pid.read_text().split()[0]), 15)
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        shutil.rmtree(work, ignore_errors=True)


def _wait_until_idle(host: str, work: Path, started: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 30
    state = ""
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in started):
            break
        answer = subprocess.run(["sinfo", "-h", "-n", host, "-o", "%t"], capture_output=True, text=True)
        state = answer.stdout.strip()
        if state in ("idle", "mix", "alloc"):
            return
        time.sleep(0.3)
    logs = "\n".join(path.read_text()[-1500:] for path in sorted((work / "log").glob("*.log")))
    raise RuntimeError(f"SLURM node {host} not ready (state {state!r}):\n{logs}")
