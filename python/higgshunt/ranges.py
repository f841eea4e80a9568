"""argparse types for numeric options: a value outside its range is refused while the command line is parsed,
so argparse prints a one-line usage error and exits 2 before anything is read or written.

A core module (not in `cli/`) because the event-loop stages define their shared options themselves
(`higgshunt.eventloop.options`) and may not import the CLI.

    parser.add_argument("--threads", type=positive_int, default=1)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

# Seeds end up in numpy, TensorFlow and ROOT's TRandom (UInt_t): all accept [0, 2^32 - 1].
MAX_SEED = 2**32 - 1


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [minimum, maximum] (either bound may be open)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected an integer {_bounds(minimum, maximum)}, got {text!r}")
        return value

    return parse


def real(minimum: float | None = None, *, inclusive: bool = True) -> Callable[[str], float]:
    """An argparse type: a finite number, at least `minimum` (above it when not `inclusive`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if minimum is not None and (value < minimum or (not inclusive and value == minimum)):
            relation = ">=" if inclusive else ">"
            raise argparse.ArgumentTypeError(f"expected a number {relation} {minimum:g}, got {text!r}")
        return value

    return parse


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"in [{minimum}, {maximum}]"
    return f">= {minimum}" if minimum is not None else f"<= {maximum}"


positive_int = integer(minimum=1)
seed = integer(minimum=0, maximum=MAX_SEED)
finite_float = real()
non_negative_float = real(minimum=0.0)
positive_float = real(minimum=0.0, inclusive=False)


def label_values(text: str) -> str | list[str]:
    """One label value, or several comma-separated ones; numbers stay text here and match numeric labels."""
    values = [part.strip() for part in text.split(",") if part.strip()]
    if not values:
        raise argparse.ArgumentTypeError("expected a label value, e.g. 1 or s")
    return values[0] if len(values) == 1 else values
