"""The progress option of the commands that run long: bars on a terminal by default, none in logs."""

from __future__ import annotations

import argparse

from higgshunt import logs


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """--progress / --no-progress; without either, bars only when stderr is a terminal."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: only on a terminal; otherwise one log line per stage)",
    )


def progress(args: argparse.Namespace) -> bool:
    """Whether this run draws progress bars."""
    return logs.show_progress(args.progress)
