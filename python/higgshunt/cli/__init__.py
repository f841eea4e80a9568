"""The `higgshunt` command: one subcommand per pipeline stage, each a thin wrapper of the stage's API.

Each command module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`, and imports heavy
libraries (ROOT, TensorFlow) only inside `run`, so `higgshunt --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Sequence

import higgshunt
from higgshunt.errors import HiggshuntError

# Pipeline order; each name is a module in this package.
COMMANDS: tuple[str, ...] = ("generate", "skim", "train", "evaluate", "export", "bumphunt", "fit", "demo")

log = logging.getLogger("higgshunt")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="higgshunt", description=higgshunt.__doc__)
    parser.add_argument("--version", action="version", version=f"higgshunt {higgshunt.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"higgshunt.cli.{name}")
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def _quiet_dependencies() -> None:
    """Keep the terminal for higgshunt's own output: no TensorFlow C++ log lines, no ROOT wheel notice.

    TensorFlow's C++ side also logs harmless errors (e.g. a tf.data graph attribute its runtime does not know,
    once per Keras fit); failures that matter reach Python as exceptions.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    notice = r"(?s).*distribution of ROOT is in alpha stage"
    warnings.filterwarnings("ignore", message=notice, category=UserWarning)


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_dependencies()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "run"):
        parser.print_help()
        return 0 if argv is None or len(argv) == 0 else 2
    try:
        return int(args.run(args))
    except HiggshuntError as exc:
        print(f"higgshunt {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"higgshunt {args.command}: interrupted", file=sys.stderr)
        return 130
