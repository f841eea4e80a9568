import argparse

import pytest
from higgshunt import ranges


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (ranges.positive_int, "3", 3),
        (ranges.seed, "0", 0),
        (ranges.seed, str(ranges.MAX_SEED), ranges.MAX_SEED),
        (ranges.finite_float, "-1.5", -1.5),
        (ranges.non_negative_float, "0", 0.0),
        (ranges.positive_float, "1e-9", 1e-9),
    ],
)
def test_accepted(parse, text: str, value: float) -> None:  # type: ignore[no-untyped-def]
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (ranges.positive_int, "0", "expected an integer >= 1, got '0'"),
        (ranges.positive_int, "-5", "expected an integer >= 1, got '-5'"),
        (ranges.positive_int, "2.5", "expected an integer, got '2.5'"),
        (ranges.seed, "-1", "expected an integer in [0, 4294967295], got '-1'"),
        (ranges.seed, str(2**32), "in [0, 4294967295]"),
        (ranges.finite_float, "nan", "expected a finite number, got 'nan'"),
        (ranges.finite_float, "-inf", "expected a finite number"),
        (ranges.finite_float, "abc", "expected a number, got 'abc'"),
        (ranges.non_negative_float, "-0.1", "expected a number >= 0, got '-0.1'"),
        (ranges.positive_float, "0", "expected a number > 0, got '0'"),
    ],
)
def test_refused_with_message(parse, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(argparse.ArgumentTypeError) as info:
        parse(text)
    assert message in str(info.value)


def test_parser_prints_one_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("--threads", type=ranges.positive_int)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--threads", "-1"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "p: error: argument --threads: expected an integer >= 1, got '-1'"
    )
