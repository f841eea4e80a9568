"""Every bad-input and fault case of `reliability_cases.CASES`, run through the real command: a clean one-line
error (or a valid output where the case must succeed), no traceback, no partial output, no user file lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_cases import CASES, Case, Inputs
from reliability_harness import CLEAN, OK, describe


def _param(case: Case) -> object:
    marks = []
    if case.slow:
        marks.append(pytest.mark.slow)
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case, inputs: Inputs, no_chattr: str | None, tmp_path: Path) -> None:
    if case.frozen is not None and no_chattr is not None:
        pytest.skip(no_chattr)
    judgement = case.run(inputs, tmp_path)
    expected = CLEAN if case.expect_error else OK
    assert judgement.outcome == expected, describe(judgement.result)
    assert not judgement.problems, describe(judgement.result)
