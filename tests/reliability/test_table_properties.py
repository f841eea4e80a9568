"""Damaged training tables for `higgshunt train`: rows cut, columns dropped, cells made NaN/inf/strings/empty,
weights flipped or zeroed, labels changed. The command either trains and writes a complete model folder, or
exits 1 with one named error line and writes nothing. In-process through `higgshunt.cli.main` (a BDT of a few
trees, no plots), so every example costs a fraction of a second."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from higgshunt import cli
from higgshunt.outputs import MARKER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_cases import table
from reliability_harness import ERROR_LINE, error_lines, temporaries

COLUMNS = ["eventNumber", "x1", "x2", "x3", "label", "weight"]
CELLS = st.sampled_from([np.nan, np.inf, -np.inf, "abc", "", 0, -1, 1e300])


@st.composite
def damaged_tables(draw: st.DrawFn) -> pd.DataFrame:
    frame = table(draw(st.integers(min_value=0, max_value=80)), seed=draw(st.integers(0, 3)))
    frame = frame.drop(columns=["mass"]).astype(object)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        column = draw(st.sampled_from(COLUMNS))
        action = draw(st.sampled_from(["drop", "cell", "column", "negate", "zero", "relabel"]))
        if column not in frame.columns:
            continue
        if action == "drop":
            frame = frame.drop(columns=[column])
        elif action == "cell" and len(frame):
            values = frame[column].astype(object)
            values.iloc[draw(st.integers(0, len(frame) - 1))] = draw(CELLS)
            frame[column] = values
        elif action == "column":
            frame[column] = draw(CELLS)
        elif action in ("negate", "zero"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce") * (-1 if action == "negate" else 0)
        else:
            frame["label"] = draw(st.sampled_from([0, 1, 2, -1]))
    return frame


def _train(data: Path, output: Path) -> tuple[int, str]:
    config = {
        "data": {"path": str(data), "features": ["x1", "x2", "x3"], "weight": "weight"},
        "model": "bdt",
        "backend": "xgboost",
        "output": str(output),
        "plots": False,
        "progress": False,
        "training": {"folds": 2, "seed": 1},
        "bdt": {"n_trees": 5},
    }
    path = data.with_name("train.yaml")
    path.write_text(yaml.safe_dump(config))
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = cli.main(["train", "--config", str(path)])
    return code, stderr.getvalue()


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=damaged_tables())
def test_damaged_table_trains_or_one_line_error(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, output = Path(folder) / "table.csv", Path(folder) / "model"
        frame.to_csv(data, index=False)
        code, stderr = _train(data, output)
        if code == 0:
            assert (output / "manifest.json").is_file() and (output / MARKER).is_file()
        else:
            lines = error_lines(stderr)
            assert code == 1 and len(lines) == 1 and ERROR_LINE.match(lines[0]), stderr
            assert "internal error" not in lines[0], lines[0]
            assert not output.exists()
        assert not temporaries([Path(folder)])
