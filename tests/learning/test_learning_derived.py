"""Computed inputs (data.derived) and the training mass range (data.mass_range): values, errors, and what the
trained model directory records for scoring inside the event loop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from higgshunt.artifacts import trained_model
from higgshunt.errors import InputError
from higgshunt.learning import data, training
from learning_tables import blobs, xgboost_config


def test_derived_columns_are_the_arithmetic_of_the_table() -> None:
    frame = blobs(200)
    out = data.add_derived(frame, {"x1_over_mass": "x1 / mass", "mix": "(x1 + 2 * x2) - x3"}, "t.h5")
    np.testing.assert_allclose(out["x1_over_mass"], frame["x1"].to_numpy() / frame["mass"].to_numpy())
    np.testing.assert_allclose(out["mix"], frame.x1 + 2 * frame.x2 - frame.x3)
    assert "x1_over_mass" not in frame.columns  # the caller's table is left alone
    assert data.add_derived(frame, {}, "t.h5") is frame


@pytest.mark.parametrize(
    ("derived", "message"),
    [
        ({"r": "x1 / m4l"}, "t.h5: data.derived.r: cannot evaluate 'x1 / m4l'"),
        ({"x1": "x2 * 2"}, "t.h5: data.derived.x1: the table already has a column 'x1'"),
    ],
)
def test_derived_errors_name_the_key(derived: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        data.add_derived(blobs(50), derived, "t.h5")


def test_mass_range_keeps_the_half_open_interval() -> None:
    frame = pd.DataFrame({"mass": [79.9, 80.0, 125.0, 169.99, 170.0, np.nan]})
    kept = data.in_mass_range(frame, "mass", [80, 170], "t.h5")
    assert kept["mass"].tolist() == [80.0, 125.0, 169.99]
    assert data.in_mass_range(frame, "mass", None, "t.h5") is frame


@pytest.mark.parametrize(
    ("mass", "mass_range", "message"),
    [
        (None, [80, 170], "data.mass_range needs data.mass"),
        ("mass", [170, 80], "low \\(170.0\\) must be below"),
    ],
)
def test_mass_range_errors(mass: str | None, mass_range: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        data.in_mass_range(blobs(50), mass, mass_range, "t.h5")


@pytest.mark.slow
def test_training_records_derived_inputs_and_range(tmp_path: Path, blob_csv: Path) -> None:
    config = xgboost_config(
        blob_csv,
        tmp_path / "bdt",
        30,
        features=["x1_over_mass", "x2"],
        derived={"x1_over_mass": "x1 / mass", "unused": "x3 * 2"},
        mass_range=[100, 150],
    )
    result = training.train(config)
    frame = blobs()
    in_range = int(((frame["mass"] >= 100) & (frame["mass"] < 150)).sum())
    assert result.metrics["n_test"] == in_range  # every event in range is scored once, out of fold
    assert json.loads((result.output / "manifest.json").read_text())["features"] == ["x1_over_mass", "x2"]
    # only the derived inputs the model uses are handed to the in-loop scoring
    assert trained_model.load(result.output).derived == {"x1_over_mass": "x1 / mass"}
    assert result.model.derived == {"x1_over_mass": "x1 / mass"}
