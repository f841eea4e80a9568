"""Where the event loops run: this process with ROOT's implicit multi-threading, or a Dask cluster.

Distributed RDataFrame runs the same graph on Dask workers. The workers need libhiggshunt and its headers: the
initialisation function below loads them (and the config's C++ declarations) on every worker before any task.

`--cluster slurm|htcondor` submits the workers as batch jobs through dask-jobqueue (SLURMCluster,
HTCondorCluster): one single-core job per worker running this interpreter (sys.executable), so the workers
must see the same Python environment and the built library (e.g. the repository on AFS/EOS on lxplus).
Queue, account, walltime, HTCondor's `+JobFlavour` and the like come from dask's own configuration
(~/.config/dask/jobqueue.yaml, section `jobqueue.slurm` or `jobqueue.htcondor`). `--scheduler ADDRESS` joins a
cluster started elsewhere instead.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from higgshunt import native
from higgshunt.errors import ConfigError, HiggshuntError

log = logging.getLogger(__name__)

# Optimisation level of the code ROOT's interpreter compiles for the graph (about half of the event loop's
# time is spent in it); measured 30-40 % faster per event than ROOT's default.
JIT_FLAGS = "-O2"


def configure_jit() -> None:
    """Ask ROOT's interpreter to optimise JIT-compiled code (EXTRA_CLING_ARGS, read once when ROOT starts).

    Call before the first `import ROOT` of the process; an explicit EXTRA_CLING_ARGS of the user wins.
    """
    if "ROOT" in sys.modules:
        log.debug("ROOT already imported: EXTRA_CLING_ARGS can no longer change")
        return
    os.environ.setdefault("EXTRA_CLING_ARGS", JIT_FLAGS)


class Executor(Protocol):
    """Creates dataframes over input files and runs all booked graphs together."""

    def dataframe(self, tree: str, files: Sequence[str]) -> Any: ...

    def run(self, handles: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


# The running count of a ranged dataframe's entries on stderr, every 1% of the range (ROOT calls it from C++
# during the event loop, while Python's interpreter lock is held).
_RANGE_PROGRESS = """
#include <iostream>
void higgshunt_range_progress(ROOT::RDF::RResultPtr<ULong64_t> &count, ULong64_t limit) {
   count.OnPartialResult(std::max<ULong64_t>(limit / 100, 1), [limit](ULong64_t &read) {
      std::cerr << "\\rprocessed events: " << read << " of at most " << limit << std::flush;
   });
}
"""


class LocalExecutor:
    """This process; `threads` > 1 enables ROOT's implicit multi-threading.

    `max_events` reads only the first N entries of each sample through `Range`, which ROOT allows
    single-threaded only, so it turns multi-threading off (with a warning when threads were asked for).
    `progress` attaches ROOT's own progress bar to each dataframe: ROOT holds Python's interpreter lock during
    the event loop, so only a bar driven from C++ can update. ROOT's bar counts the entries of the files it
    opened, so with `max_events` it would claim every entry was read: a counter of the ranged entries
    (`_RANGE_PROGRESS`) stands in for it, and the run ends with the number really processed.
    """

    def __init__(self, threads: int = 1, max_events: int | None = None, progress: bool = False) -> None:
        import ROOT

        if max_events is not None and threads > 1:
            log.warning("--max-events uses Range, which runs single-threaded: ignoring --threads %d", threads)
            threads = 1
        self.max_events = max_events
        if threads > 1:
            ROOT.EnableImplicitMT(threads)
        elif ROOT.IsImplicitMTEnabled():
            ROOT.DisableImplicitMT()
        self.threads = threads
        self.progress = progress
        self._range_counts: list[Any] = []  # entries read per ranged dataframe, for the progress line

    def dataframe(self, tree: str, files: Sequence[str]) -> Any:
        import ROOT

        df = ROOT.RDataFrame(tree, list(files))
        if self.max_events is None:
            if self.progress:
                ROOT.RDF.Experimental.AddProgressBar(df)
            return df
        ranged = df.Range(self.max_events)
        if self.progress:
            if not hasattr(ROOT, "higgshunt_range_progress"):
                ROOT.gInterpreter.Declare(_RANGE_PROGRESS)
            count = ranged.Count()
            ROOT.higgshunt_range_progress(count, self.max_events)
            self._range_counts.append(count)
        return ranged

    def run(self, handles: Sequence[Any]) -> None:
        import ROOT

        ROOT.RDF.RunGraphs(list(handles) + self._range_counts)
        if self._range_counts:
            done = sum(int(count.GetValue()) for count in self._range_counts)
            print(
                f"\rprocessed events: {done} in {len(self._range_counts)} sample(s) "
                f"(--max-events {self.max_events}: at most {self.max_events} per sample)",
                file=sys.stderr,
            )
            self._range_counts.clear()

    def close(self) -> None:
        """Nothing to release: implicit multi-threading stays as configured for the process."""


CLUSTERS = ("local", "slurm", "htcondor")
# how long batch-submitted workers may take to start before the run gives up
WORKER_START_SECONDS = 300


def start_cluster(kind: str, workers: int) -> Any:
    """A dask cluster of `workers` single-threaded workers: processes on this machine, or batch jobs."""
    if kind == "local":
        from dask.distributed import LocalCluster

        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise ConfigError(f"--cluster {kind} needs the package dask-jobqueue ({exc})") from exc
    job_class = {"slurm": dask_jobqueue.SLURMCluster, "htcondor": dask_jobqueue.HTCondorCluster}.get(kind)
    if job_class is None:
        raise ConfigError(f"--cluster '{kind}': expected one of {', '.join(CLUSTERS)}")
    import dask

    # cores, memory (and HTCondor's disk) are required by dask-jobqueue: dask's config sets them, or these do
    section = f"jobqueue.{kind}"
    options: dict[str, Any] = {
        "python": sys.executable,
        "scheduler_options": {"dashboard_address": None},
        "cores": dask.config.get(f"{section}.cores", None) or 1,
        "memory": dask.config.get(f"{section}.memory", None) or "2GB",
    }
    if kind == "htcondor":
        options["disk"] = dask.config.get(f"{section}.disk", None) or "1GB"
    cluster = job_class(**options)
    cluster.scale(jobs=workers)
    log.info("submitted %d %s worker job(s):\n%s", workers, kind, cluster.job_script())
    return cluster


class DaskExecutor:
    """Distributed RDataFrame on a dask.distributed client: a cluster started here (`cluster` local, slurm or
    htcondor) or an existing scheduler's address."""

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        cluster: str = "local",
        npartitions: int | None = None,
        workers: int = 2,
        declarations: str | None = None,
    ) -> None:
        from dask.distributed import Client

        self._cluster = None
        if scheduler is None:
            self._cluster = start_cluster(cluster, workers)
            self.client = Client(self._cluster)
            try:
                self.client.wait_for_workers(workers, timeout=WORKER_START_SECONDS)
            except TimeoutError as exc:
                self.close()
                raise HiggshuntError(
                    f"--cluster {cluster}: {workers} worker(s) not running after {WORKER_START_SECONDS} s"
                ) from exc
        else:
            try:
                self.client = Client(scheduler, timeout=30)
            except OSError as exc:
                raise HiggshuntError(f"--scheduler {scheduler}: cannot connect ({exc})") from exc
        self.npartitions = npartitions
        import ROOT

        ROOT.RDF.Distributed.initialize(prepare_worker, declarations)

    def dataframe(self, tree: str, files: Sequence[str]) -> Any:
        import ROOT

        kwargs: dict[str, Any] = {"executor": self.client}
        if self.npartitions is not None:
            kwargs["npartitions"] = self.npartitions
        return ROOT.RDataFrame(tree, list(files), **kwargs)

    def run(self, handles: Sequence[Any]) -> None:
        import ROOT

        ROOT.RDF.Distributed.RunGraphs(list(handles))
        # On a loaded machine distributed RunGraphs was seen to return with a graph not executed; its result
        # would then run at the first GetValue, after the client is closed ("No scheduler connected").
        # Reading every result here runs such a graph while the client is up (a no-op for the others).
        for handle in handles:
            handle.GetValue()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def prepare_worker(declarations: str | None) -> None:
    """Load libhiggshunt and its headers into ROOT, then the config's C++ declarations (once per process)."""
    native.load_into_root()
    if declarations:
        from higgshunt.eventloop.declare import declare_code

        declare_code(declarations)


def make(
    kind: str,
    *,
    threads: int = 1,
    max_events: int | None = None,
    scheduler: str | None = None,
    cluster: str = "local",
    npartitions: int | None = None,
    declarations: str | None = None,
    progress: bool = False,
) -> Executor:
    """The executor named by `--executor`."""
    if kind == "local":
        return LocalExecutor(threads, max_events, progress)
    if kind == "dask":
        if max_events is not None:
            raise ConfigError(
                "--max-events is not available with --executor dask (Range is single-threaded only)"
            )
        return DaskExecutor(
            scheduler=scheduler,
            cluster=cluster,
            npartitions=npartitions,
            workers=max(threads, 2),
            declarations=declarations,
        )
    raise ConfigError(f"--executor '{kind}': expected local or dask")
