"""Every numeric option of every command is range-checked while the command line is parsed: any value is
either accepted and in its range, or refused with argparse's one-line error (exit 2). Runs in-process on
`build_parser().parse_args`."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
from collections.abc import Callable

import pytest
from higgshunt import cli
from higgshunt.ranges import MAX_SEED
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_harness import ERROR_LINE, error_lines

Check = Callable[[float], bool]


def _finite(v: float) -> bool:
    return math.isfinite(v)


def _at_least_one(v: float) -> bool:
    return float(v).is_integer() and v >= 1


def _positive(v: float) -> bool:
    return math.isfinite(v) and v > 0


def _non_negative(v: float) -> bool:
    return _finite(v) and v >= 0


def _label(v: object) -> bool:
    """Label values are text (numbers match numeric labels later); never empty."""
    return isinstance(v, str) and v.strip() == v and v != "" and "," not in v


def _seed(v: float) -> bool:
    return float(v).is_integer() and 0 <= v <= MAX_SEED


# command -> (arguments that make the rest parse, {option: (values it takes, range of each value)})
SPEC: dict[str, tuple[list[str], dict[str, tuple[int, Check]]]] = {
    "generate": ([], {"--events": (1, _at_least_one), "--seed": (1, _seed), "--jobs": (1, _at_least_one),
                      "--lumi-fb": (2, _positive)}),
    "skim": (["--config", "c.yaml"], {"--threads": (1, _at_least_one), "--npartitions": (1, _at_least_one),
                                      "--max-events": (1, _at_least_one)}),
    "train": ([], {"--folds": (1, _at_least_one), "--seed": (1, _seed), "--epochs": (1, _at_least_one),
                   "--signal-value": (1, _label), "--lambda": (1, _non_negative),
                   "--alpha": (1, _non_negative)}),
    "evaluate": (["--model", "m", "--data", "d", "--output", "o"], {"--signal-value": (1, _label)}),
    "export": (["m"], {"--seed": (1, _seed)}),
    "bumphunt": (["--config", "c.yaml"], {"--threads": (1, _at_least_one),
                                          "--npartitions": (1, _at_least_one)}),
    "fit": (["--hist", "f.root:h", "--output", "o", "--mass-range", "1", "2"],
            {"--mass-range": (2, _finite), "--signal-mass": (1, _finite), "--width": (1, _positive),
             "--mass-window": (1, _positive), "--seed": (1, _seed), "--scan": (2, _finite),
             "--step": (1, _positive), "--toys": (1, lambda v: v == int(v) and 0 <= v <= 100000),
             "--expected-signal": (1, _positive)}),
    "demo": ([], {"--jobs": (1, _at_least_one)}),
}  # fmt: skip

OPTIONS = [(command, option) for command, (_, options) in SPEC.items() for option in options]
PARSER = cli.build_parser()


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in PARSER._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


PARSER_DEST = {
    (command, option): next(a.dest for a in sub._actions if option in a.option_strings)
    for command, sub in _subparsers().items()
    for option in SPEC[command][1]
}


def test_every_numeric_option_is_range_checked() -> None:
    """No option parses with bare int/float, and every option with a type is in SPEC (so new options are
    covered by the property below)."""
    for command, sub in _subparsers().items():
        typed = {a.option_strings[0] for a in sub._actions if a.type is not None and a.option_strings}
        bare = [a.option_strings for a in sub._actions if a.type in (int, float)]
        assert not bare, f"{command}: options without a range: {bare}"
        # comma-separated column names; a config file or the name of a shipped config
        names = {"--features", "--competitor-features", "--config"}
        assert typed - names == set(SPEC[command][1]), command


def _values() -> st.SearchStrategy[str]:
    numbers = st.one_of(
        st.integers(min_value=-(2**40), max_value=2**40),
        st.integers(min_value=MAX_SEED - 2, max_value=MAX_SEED + 2),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, 1, -1, 0.5, -0.0]),
    )
    return st.one_of(numbers.map(str), st.text(max_size=8))


def _parse(argv: list[str]) -> tuple[argparse.Namespace | None, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            return PARSER.parse_args(argv), stderr.getvalue()
        except SystemExit as exc:
            assert exc.code == 2, f"{argv}: exit {exc.code}"
            return None, stderr.getvalue()


@pytest.mark.parametrize(("command", "option"), OPTIONS, ids=[f"{c}{o}" for c, o in OPTIONS])
@settings(max_examples=25, deadline=None)
@given(values=st.lists(_values(), min_size=2, max_size=2))
def test_option_value_accepted_in_range_or_refused_in_one_line(
    command: str, option: str, values: list[str]
) -> None:
    base, options = SPEC[command]
    count, in_range = options[option]
    given_values = values[:count]
    argv = [command, *base, *([f"{option}={given_values[0]}"] if count == 1 else [option, *given_values])]
    args, stderr = _parse(argv)
    if args is None:
        lines = error_lines(stderr)
        assert len(lines) == 1 and ERROR_LINE.match(lines[0]), stderr
        return
    parsed = getattr(args, PARSER_DEST[(command, option)])
    parsed = parsed if isinstance(parsed, list) else [parsed]
    assert all(in_range(v) for v in parsed), f"{argv} accepted as {parsed}"
