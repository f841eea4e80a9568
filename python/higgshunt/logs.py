"""What a run prints besides its result: logging set up once by the command line, progress bars only where
a person watches (a terminal) unless asked for, and the start-up chatter of ROOT and TensorFlow silenced once
for this process and every process it starts (Dask workers, generation jobs)."""

from __future__ import annotations

import logging
import os
import sys
import warnings

# ROOT's PyPI wheel warns at every import that it is an alpha distribution; the warning comes from the
# module `ROOT` itself, so child processes can be told to ignore it through PYTHONWARNINGS.
_ROOT_NOTICE_FILTER = "ignore::UserWarning:ROOT"


def quiet_dependencies() -> None:
    """Silence the dependencies' start-up notices here and in child processes.

    TensorFlow's C++ side logs harmless messages (e.g. a tf.data graph attribute its runtime does not know,
    once per Keras fit); failures that matter reach Python as exceptions. An explicit setting of the user's
    environment wins.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    filters = [item for item in os.environ.get("PYTHONWARNINGS", "").split(",") if item]
    if _ROOT_NOTICE_FILTER not in filters:
        os.environ["PYTHONWARNINGS"] = ",".join([*filters, _ROOT_NOTICE_FILTER])
    warnings.filterwarnings("ignore", category=UserWarning, module="ROOT")


def configure(*, verbose: bool = False) -> None:
    """Log records on stderr, one line each: INFO, or DEBUG with `verbose`."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def show_progress(requested: bool | None = None) -> bool:
    """Whether to draw progress bars: as `requested` (--progress / --no-progress), else only when stderr is
    a terminal, so logs and CI output get one line per stage instead of carriage-return updates."""
    if requested is not None:
        return requested
    return sys.stderr.isatty()
