"""The `higgshunt` command: one subcommand per pipeline stage, each a thin wrapper of the stage's API.

Each command module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`, and imports heavy
libraries (ROOT, TensorFlow) only inside `run`, so `higgshunt --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Sequence

import higgshunt
from higgshunt import logs
from higgshunt.errors import HiggshuntError
from higgshunt.outputs import WRITE_ERRNOS, write_error

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


def main(argv: Sequence[str] | None = None) -> int:
    logs.quiet_dependencies()
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(verbose=args.verbose)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0 if argv is None or len(argv) == 0 else 2
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print(f"higgshunt {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into one line
        if args.verbose and not isinstance(exc, HiggshuntError):
            traceback.print_exc()
        print(f"higgshunt {args.command}: error: {describe(exc)}", file=sys.stderr)
        return 1


def describe(exc: BaseException) -> str:
    """One line for a user: the message of a HiggshuntError; the path and cause of a failed write; else an
    internal error (a bug, or a library failure higgshunt does not yet name) with the way to its traceback.

    C++ exceptions thrown through cppyy (ROOT) arrive as Python exceptions of the C++ type (module
    cppyy.gbl.std) whose text is "<C++ signature> =>\n    <type>: <what()>": the part after "=>" is kept.
    Other texts that span several lines (cppyy's overload reports, HDF5 back traces) keep their first line.
    """
    if isinstance(exc, HiggshuntError):
        return " ".join(line.strip() for line in str(exc).splitlines())
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS and exc.filename is not None:
        return str(write_error(exc.filename, exc))
    text = str(exc).strip()
    if type(exc).__module__.startswith("cppyy") and "=>" in text:
        detail = "C++ " + " ".join(text.rsplit("=>", 1)[1].split())
    else:
        first = text.splitlines()[0].strip() if text else ""
        detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return f"internal error: {detail} (rerun with higgshunt -v for the traceback)"
