"""`higgshunt demo`: the whole chain on the built-in samples, with a report."""

from __future__ import annotations

import argparse

from higgshunt.cli.progress import add_progress_argument, progress
from higgshunt.ranges import positive_int

NAME = "demo"
HELP = "run generate -> skim -> train -> bump hunt on the built-in samples and write outputs/report.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from higgshunt.demo import PLANS

    parser.add_argument("--output", default="outputs", help="output folder (default: %(default)s)")
    parser.add_argument(
        "--channels",
        nargs="+",
        choices=sorted(PLANS),
        default=list(PLANS),
        help="channels to run (default: all)",
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=2, help="parallel generation jobs and skim threads"
    )
    add_progress_argument(parser)


def run(args: argparse.Namespace) -> int:
    from higgshunt import demo

    result = demo.run(args.output, channels=args.channels, jobs=args.jobs, progress=progress(args))
    print(demo.summary(result))
    return 0
