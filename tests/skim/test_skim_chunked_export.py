"""The table's bounded path: RowSpill buffers at most `buffer_rows` rows per slot, the reader and the HDF5
writer handle at most CHUNK_ROWS rows at a time, and the chunked table equals the one-chunk table exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from higgshunt import native, skim
from higgshunt.artifacts import skim_table
from higgshunt.errors import NativeLibraryError
from higgshunt.skim import graph, table

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def root() -> Any:
    native.load_into_root()
    import ROOT

    assert ROOT.gInterpreter.Declare(f'#include "{table.ACTION_HEADER}"')
    return ROOT


def _config(files: dict[str, Path]) -> skim.SkimConfig:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["samples"] = [
        {"name": name, "kind": "data" if name.startswith("data") else "signal", "files": [str(path)]}
        for name, path in files.items()
    ]
    return skim.config.build(raw, source="test-config")


def _spill(root: Any, prefix: Path, columns: int, buffer_rows: int, slots: int) -> Any:
    return root.higgshunt.RowSpill(str(prefix), columns, buffer_rows, slots)


def test_row_spill_holds_at_most_buffer_rows_per_slot(root: Any, tmp_path: Path) -> None:
    spill = _spill(root, tmp_path / "rows", 3, 4, 2)
    for i in range(9):  # slot 0 gets rows 0..8, slot 1 only row 100
        spill.Push(0, root.RVecD([float(i), 2.0 * i, -1.0]))
        # rows still in memory = pushed - written, never more than the buffer
        assert (i + 1) - spill.Rows() <= 4
    spill.Push(1, root.RVecD([100.0, 200.0, -1.0]))
    assert spill.Rows() == 8  # two full buffers of slot 0 written, the rest held
    spill.Finish()
    assert spill.Rows() == 10
    files = [Path(str(name)) for name in spill.Files()]
    assert files == [tmp_path / "rows.0.bin", tmp_path / "rows.1.bin"]
    slot0 = np.fromfile(files[0]).reshape(-1, 3)
    np.testing.assert_array_equal(slot0[:, 0], np.arange(9.0))  # the order the slot saw
    np.testing.assert_array_equal(slot0[:, 1], 2.0 * np.arange(9.0))
    np.testing.assert_array_equal(np.fromfile(files[1]), [100.0, 200.0, -1.0])


def test_row_spill_rejects_bad_use(root: Any, tmp_path: Path) -> None:
    import cppyy

    for columns, buffer_rows, slots in ((0, 1, 1), (1, 0, 1), (1, 1, 0)):
        with pytest.raises(cppyy.gbl.std.invalid_argument, match="RowSpill: .* > 0 required"):
            _spill(root, tmp_path / "bad", columns, buffer_rows, slots)
    spill = _spill(root, tmp_path / "rows", 2, 1, 1)
    with pytest.raises(cppyy.gbl.std.invalid_argument, match="row of 3 values, expected 2"):
        spill.Push(0, root.RVecD([1.0, 2.0, 3.0]))
    with pytest.raises(cppyy.gbl.std.out_of_range, match="slot 1"):
        spill.Push(1, root.RVecD([1.0, 2.0]))
    spill.Finish()
    assert list(spill.Files()) == []  # no row, no file
    with pytest.raises(cppyy.gbl.std.logic_error, match="after Finish"):
        spill.Push(0, root.RVecD([1.0, 2.0]))
    unwritable = _spill(root, tmp_path / "missing" / "rows", 1, 1, 1)
    with pytest.raises(cppyy.gbl.std.runtime_error, match="cannot open"):
        unwritable.Push(0, root.RVecD([1.0]))


def test_spilled_chunks_are_bounded_and_complete(tmp_path: Path) -> None:
    values = np.arange(21.0).reshape(7, 3)
    values.tofile(tmp_path / "rows.bin")
    chunks = list(table.spilled_chunks(tmp_path / "rows.bin", ["a", "b", "c"], 3))
    assert [len(chunk["a"]) for chunk in chunks] == [3, 3, 1]
    for position, name in enumerate("abc"):
        np.testing.assert_array_equal(np.concatenate([c[name] for c in chunks]), values[:, position])
    (tmp_path / "torn.bin").write_bytes(values.tobytes()[:-8])  # a row cut short
    with pytest.raises(NativeLibraryError, match="whole number of rows"):
        list(table.spilled_chunks(tmp_path / "torn.bin", ["a", "b", "c"], 3))


def test_chunked_table_equals_one_chunk(
    mc_file: Path, real_4lep_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config({"ggH125_ZZ4lep": mc_file, "data": real_4lep_file})
    whole = skim.run(config, output=tmp_path / "whole", progress=False)

    appended: list[int] = []
    real_append = skim_table._append

    def recording_append(store: Any, key: str, frame: pd.DataFrame, expected: int | None) -> None:
        appended.append(len(frame))
        real_append(store, key, frame, expected)

    monkeypatch.setattr(skim_table, "CHUNK_ROWS", 3)
    monkeypatch.setattr(table, "BUFFER_ROWS", 2)
    monkeypatch.setattr(skim_table, "_append", recording_append)
    chunked = skim.run(config, output=tmp_path / "chunked", progress=False)
    assert appended and max(appended) <= 3  # the writer never held more than one chunk
    for sample in ("data", "ggH125_ZZ4lep"):
        a = pd.read_hdf(whole.skim_file, sample)
        b = pd.read_hdf(chunked.skim_file, sample)
        assert len(a) > 3  # several chunks
        pd.testing.assert_frame_equal(a, b, check_exact=True)  # same rows, order, index and dtypes
        assert (
            skim_table.attributes(chunked.skim_file, sample).cutflow
            == skim_table.attributes(whole.skim_file, sample).cutflow
        )
    assert not list((tmp_path / "chunked" / "hzz4l").glob(".rows-*"))  # scratch rows removed

    # rerunning one sample copies the other table chunk by chunk, unchanged
    before = pd.read_hdf(chunked.skim_file, "data")
    appended.clear()
    skim.run(config, output=tmp_path / "chunked", samples=["ggH125_ZZ4lep"], force=True, progress=False)
    assert max(appended) <= 3
    pd.testing.assert_frame_equal(pd.read_hdf(chunked.skim_file, "data"), before, check_exact=True)


@pytest.mark.slow
def test_two_threads_give_the_same_table(
    mc_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config({"ggH125_ZZ4lep": mc_file})
    one = skim.run(config, output=tmp_path / "one", progress=False)
    monkeypatch.setattr(table, "BUFFER_ROWS", 1)
    two = skim.run(config, output=tmp_path / "two", threads=2, progress=False)
    a = pd.read_hdf(one.skim_file, "ggH125_ZZ4lep").sort_values("eventNumber", ignore_index=True)
    b = pd.read_hdf(two.skim_file, "ggH125_ZZ4lep").sort_values("eventNumber", ignore_index=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_empty_selection_keeps_the_columns(real_4lep_file: Path, tmp_path: Path) -> None:
    config = _config({"data": real_4lep_file})
    result = skim.run(config, output=tmp_path, max_events=1, progress=False)
    frame = pd.read_hdf(result.skim_file, "data")
    assert len(frame) == 0
    ids, weights = graph.ID_COLUMNS, graph.WEIGHT_COLUMNS
    constants = ["label", "sample", "dsid"]
    assert list(frame.columns) == [*ids, "fold", *weights, *constants, *config.feature_names]


def test_scratch_rows_of_a_killed_run_are_removed(real_4lep_file: Path, tmp_path: Path) -> None:
    config = _config({"data": real_4lep_file})
    stale = tmp_path / config.channel / ".rows-killed"
    stale.mkdir(parents=True)
    (stale / "0.slot0").write_bytes(b"partial rows")
    result = skim.run(config, output=tmp_path, max_events=5, progress=False)
    assert not stale.exists()
    assert not list(result.channel_dir.glob(".rows-*"))
