"""Where the event loops of a command run: the options `skim` and `bumphunt` share."""

from __future__ import annotations

import argparse

from higgshunt.ranges import positive_int


def add_event_loop_arguments(parser: argparse.ArgumentParser) -> None:
    """--threads, --executor, --cluster, --scheduler, --npartitions (see higgshunt.eventloop.executors)."""
    parser.add_argument(
        "--threads", type=positive_int, default=1, help="ROOT implicit multi-threading (default: 1)"
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where the event loops run: in this process, or on dask workers (default: %(default)s)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler (default: a local 2-worker cluster)"
    )
    parser.add_argument(
        "--cluster",
        choices=("local", "slurm", "htcondor"),
        default="local",
        help="where --executor dask starts its workers: this machine, or batch jobs (dask-jobqueue; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--npartitions",
        type=positive_int,
        help="partitions per sample for --executor dask (default: chosen by ROOT)",
    )
