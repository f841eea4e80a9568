"""`higgshunt bumphunt`: mass spectra per process after the cut-based and score selections, fits of the data,
significances side by side."""

from __future__ import annotations

import argparse

from higgshunt import resources
from higgshunt.cli.progress import add_progress_argument, progress
from higgshunt.eventloop import releases
from higgshunt.eventloop.options import add_event_loop_arguments

NAME = "bumphunt"
HELP = (
    "histogram a channel's mass per process for the cut-based and score selections (score cut optimised on "
    "simulation), fit the (pseudo-)data, compare the significances"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        required=True,
        type=resources.config_file,
        help="bump-hunt config (YAML file, or the name of a shipped config), e.g. bumphunt_hzz4l",
    )
    parser.add_argument(
        "--model",
        metavar="DIR",
        help="trained-model directory for the ml selection (default: the config's `model`; without one, "
        "the cut-based selection only)",
    )
    parser.add_argument("--output", metavar="DIR", help="output directory (default: the config's `output`)")
    parser.add_argument(
        "--release",
        choices=list(releases.RELEASES),
        help="the input schema of every sample, as for skim (default: detected from each sample's first "
        "file)",
    )
    blinding = parser.add_mutually_exclusive_group()
    blinding.add_argument(
        "--blind",
        dest="blind",
        action="store_true",
        default=None,
        help="hide the data in the signal window from tables and plots, fit no data (default: the config's "
        "`blind`, false when unset)",
    )
    blinding.add_argument(
        "--unblind", dest="blind", action="store_false", help="show the data in the signal window"
    )
    add_event_loop_arguments(parser)
    parser.add_argument(
        "--no-fit",
        dest="fit",
        action="store_false",
        default=None,
        help="do not fit the data (default: the config's `fit.enabled`, true when unset)",
    )
    parser.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        default=None,
        help="no stack or fit plots (default: the config's `plots`, true when unset)",
    )
    add_progress_argument(parser)


def run(args: argparse.Namespace) -> int:
    from higgshunt.eventloop.executors import configure_jit

    configure_jit()
    from higgshunt import bumphunt

    config = bumphunt.load(args.config, model=args.model, output=args.output, blind=args.blind)
    result = bumphunt.run(
        config,
        threads=args.threads,
        executor=args.executor,
        scheduler=args.scheduler,
        cluster=args.cluster,
        npartitions=args.npartitions,
        plots=args.plots,
        fit=args.fit,
        progress=progress(args),
        release=args.release,
    )
    print(bumphunt.format_table(result.summary))
    print(f"written to {result.output}")
    return 0
