"""Reading tables in every supported format, and the input checks with their messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from higgshunt.errors import InputError
from higgshunt.learning import data
from learning_tables import blobs

FEATURES = ["x1", "x2", "x3"]


def _prepare(frame: pd.DataFrame, **kwargs) -> data.Dataset:  # type: ignore[no-untyped-def]
    options = {"features": FEATURES, "label": "label", "weight": "weight", "mass": "mass", "source": "t.csv"}
    return data.prepare(frame, **{**options, **kwargs})


def test_formats_agree(tmp_path: Path, blob_frame: pd.DataFrame) -> None:
    import uproot

    blob_frame.to_csv(tmp_path / "t.csv.gz", index=False)
    blob_frame.iloc[:500].to_hdf(tmp_path / "t.h5", key="signal_like", format="table")
    blob_frame.iloc[500:].to_hdf(tmp_path / "t.h5", key="other", format="table", mode="a")
    with uproot.recreate(tmp_path / "t.root") as handle:
        handle["events"] = {c: blob_frame[c].to_numpy() for c in blob_frame.columns}
    for name in ("t.csv.gz", "t.h5", "t.root"):
        frame = data.load_table(tmp_path / name)
        frame = frame.sort_values("eventNumber").reset_index(drop=True)
        np.testing.assert_allclose(frame[FEATURES].to_numpy(), blob_frame[FEATURES].to_numpy())
    assert len(data.load_table(tmp_path / "t.h5", "other")) == len(blob_frame) - 500


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("missing.csv", None, "file not found"),
        ("t.h5", "nope", "no table 'nope'"),
        ("t.txt.bz2", None, "unknown table format"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, key: str | None, message: str) -> None:
    blobs(50).to_hdf(tmp_path / "t.h5", key="a", format="table")
    (tmp_path / "t.txt.bz2").write_text("x")
    with pytest.raises(InputError, match=message):
        data.load_table(tmp_path / name, key)


def test_missing_column_named(blob_frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"t.csv: missing column 'x9'"):
        _prepare(blob_frame, features=["x1", "x9"])


def test_nonfinite_counted_then_error_or_drop(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.copy()
    frame.loc[[3, 7], "x2"] = np.nan
    frame.loc[9, "x3"] = np.inf
    with pytest.raises(InputError, match=r"3 rows have NaN/inf features \(x2: 2, x3: 1\)"):
        _prepare(frame)
    ds = _prepare(frame, drop_nonfinite=True)
    assert len(ds) == len(frame) - 3 and np.isfinite(ds.x).all()


def test_one_class_only(blob_frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="one class only"):
        _prepare(blob_frame[blob_frame["label"] == 0])
    assert len(_prepare(blob_frame[blob_frame["label"] == 0], require_both_classes=False)) > 0


def test_collision_data_rows_dropped_and_signal_value(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.copy()
    frame.loc[:9, "label"] = -1
    ds = _prepare(frame)
    assert len(ds) == len(frame) - 10
    flipped = _prepare(blob_frame, signal_value=0)
    assert flipped.y.sum() == (blob_frame["label"] == 0).sum()


def test_folds_follow_event_number(blob_frame: pd.DataFrame) -> None:
    ds = _prepare(blob_frame, n_folds=2)
    np.testing.assert_array_equal(ds.fold, blob_frame["eventNumber"].to_numpy() % 2)
    random_a = _prepare(blob_frame.drop(columns=["fold", "eventNumber"]), seed=4)
    random_b = _prepare(blob_frame.drop(columns=["fold", "eventNumber"]), seed=4)
    np.testing.assert_array_equal(random_a.fold, random_b.fold)
    assert set(np.unique(random_a.fold)) == {0, 1, 2}


def test_non_numeric_feature(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.assign(x1="a")
    with pytest.raises(InputError, match="column 'x1' is not numeric"):
        _prepare(frame)


def test_feature_patterns() -> None:
    columns = ["rmm_0_1", "x", "rmm_0_0", "rmm_1_1"]
    assert data.expand_features(["rmm_*", "x"], columns) == ["rmm_0_1", "rmm_0_0", "rmm_1_1", "x"]
    with pytest.raises(InputError, match="pattern 'jet_\\*' matches no column"):
        data.expand_features(["jet_*"], columns)


def test_fold_column_without_event_number(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.drop(columns=["eventNumber"])
    np.testing.assert_array_equal(_prepare(frame).fold, frame["fold"].to_numpy())
    with pytest.raises(InputError, match="column 'fold' has values outside 0..1"):
        _prepare(frame, n_folds=2)


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.with_suffix(".csv").write_text("x1,x2,label\n"), "the table is empty"),
        (lambda p: p.with_suffix(".h5").write_text("not HDF5\n" * 10), "not a readable HDF5 file"),
    ],
)
def test_empty_or_foreign_table(tmp_path: Path, write, message: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "t")
    (path,) = tmp_path.iterdir()
    with pytest.raises(InputError, match=message):
        data.load_table(path)


def test_weights_must_sum_to_a_positive_yield_per_class(blob_frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="the signal events' weights sum to -"):
        _prepare(blob_frame.assign(weight=-blob_frame["weight"]))
    with pytest.raises(InputError, match="the signal events' weights sum to 0"):
        _prepare(blob_frame.assign(weight=0.0))
    mixed = blob_frame.assign(weight=np.where(blob_frame.index % 10 == 0, -0.01, blob_frame["weight"]))
    assert len(_prepare(mixed)) == len(blob_frame)  # negative weights event by event are fine


def test_minimum_events_per_class_and_fold(blob_frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="too few events to train 3 fold.*at least 5 are needed"):
        _prepare(blob_frame.head(4), n_folds=3, min_events=5, require_both_classes=False)
    assert len(_prepare(blob_frame, n_folds=3, min_events=5)) == len(blob_frame)


def test_values_beyond_float32_count_as_infinite(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.assign(x1=np.where(blob_frame.index == 3, 1e300, blob_frame["x1"]))
    with pytest.raises(InputError, match=r"1 rows have NaN/inf features \(x1: 1\)"):
        _prepare(frame)


def test_string_and_list_signal_values(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.copy()
    numeric = _prepare(frame)
    frame["label"] = np.where(frame["label"] == 1, " s", "b")  # CSV padding must not matter
    as_string = _prepare(frame, signal_value="s")
    np.testing.assert_array_equal(as_string.y, numeric.y)
    # '1' typed on the command line matches a numeric label 1
    np.testing.assert_array_equal(_prepare(blob_frame, signal_value="1").y, numeric.y)
    production = np.where(np.arange(len(frame)) % 2, "ggH", "VBF")
    frame["label"] = frame["label"].where(blob_frame["label"] == 0, production)
    several = _prepare(frame, signal_value=["ggH", "VBF"])
    np.testing.assert_array_equal(several.y, numeric.y)


def test_no_signal_value_names_values_found(blob_frame: pd.DataFrame) -> None:
    frame = blob_frame.assign(label=np.where(blob_frame["label"] == 1, "s", "b"))
    with pytest.raises(InputError, match=r"signal is 'label' in \['S'\]; values found: 'b', 's'$"):
        _prepare(frame, signal_value="S")
