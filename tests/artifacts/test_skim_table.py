"""The skim table: layout and round trip, versions, corrupt files, mixed configs, checked writes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from higgshunt.artifacts import skim_table
from higgshunt.artifacts.skim_table import SkimTableError, TableAttributes
from higgshunt.errors import InputError, OutputError

REPO = Path(__file__).resolve().parents[2]
ATTRIBUTES = TableAttributes(
    provenance={"code_version": "test"},
    config_hash="full",
    fingerprint={"config_hash": "selection-a", "files": []},
    lumi_fb=10.0,
    xsec_pb=1.5,
    sum_weights=2.0,
    dsid=345060,
    kind="signal",
    files=["a.root"],
    cutflow={"rows": []},
)


def _frame(name: str, n: int, label: int = 1) -> pd.DataFrame:
    events = np.arange(n, dtype=np.int64) * 7 + 3
    arrays = {
        "runNumber": np.full(n, 284500),
        "eventNumber": events,
        "weight": np.linspace(0.5, 1.5, n),
        "w_mc": np.ones(n),
        "w_sf": np.ones(n),
        "w_norm": np.ones(n),
        "m4l": np.linspace(100.0, 150.0, n).astype(np.float32),
    }
    return skim_table.to_frame(arrays, name=name, label=label, folds=3, dsid=345060, features=["m4l"])


def _write(
    path: Path, name: str, frame: pd.DataFrame, attrs: TableAttributes = ATTRIBUTES, **kw: bool
) -> None:
    skim_table.write(path, name, frame, attrs, complib="blosc", complevel=5, **kw)


def test_layout_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    signal, background = _frame("ggH", 10), _frame("llll", 5, label=0)
    _write(path, "ggH", signal)
    _write(path, "llll", background)
    assert list(signal.columns) == [*skim_table.RESERVED_COLUMNS, "m4l"]
    np.testing.assert_array_equal(signal["fold"], signal["eventNumber"] % 3)
    assert skim_table.keys(path) == ["ggH", "llll"]
    assert skim_table.attributes(path, "ggH") == ATTRIBUTES
    assert skim_table.attributes(path, "ttbar") is None
    pd.testing.assert_frame_equal(skim_table.read(path, "llll"), background, check_exact=True)
    both = skim_table.read(path)
    assert len(both) == 15 and list(both["sample"].unique()) == ["ggH", "llll"]
    # rewriting one table keeps the other
    _write(path, "ggH", _frame("ggH", 4))
    assert len(skim_table.read(path, "ggH")) == 4 and len(skim_table.read(path, "llll")) == 5
    assert not [p for p in tmp_path.iterdir() if p.name != skim_table.FILE_NAME]


def test_plain_pandas_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.h5"
    pd.DataFrame({"x": [1.0, 2.0]}).to_hdf(path, key="a", format="table")
    pd.DataFrame({"x": [3.0]}).to_hdf(path, key="b", format="table", mode="a")
    assert list(skim_table.read(path)["x"]) == [1.0, 2.0, 3.0]
    with pytest.raises(SkimTableError, match="no table 'c'; tables: a, b"):
        skim_table.read(path, "c")


def test_other_version_names_both(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    _write(path, "ggH", _frame("ggH", 3), replace(ATTRIBUTES, format_version=3))
    for read in (lambda: skim_table.attributes(path, "ggH"), lambda: skim_table.read(path)):
        with pytest.raises(SkimTableError) as error:
            read()
        text = str(error.value)
        assert f"{path}:/ggH" in text and "version 3" in text and "version 2" in text


def test_corrupt_file_message_and_force(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    path.write_bytes(b"not HDF5 at all" * 100)
    with pytest.raises(SkimTableError) as error:
        skim_table.keys(path)
    text = str(error.value)
    assert text.startswith(f"{path}: not a readable HDF5 file (") and text.endswith(
        "; remove it or use --force"
    )
    assert "\n" not in text and isinstance(error.value, InputError)
    with pytest.raises(SkimTableError, match="not a readable HDF5 file"):
        _write(path, "ggH", _frame("ggH", 3))
    _write(path, "ggH", _frame("ggH", 3), replace_unreadable=True)
    assert skim_table.keys(path) == ["ggH"]


def test_mixed_configs_refused(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    _write(path, "ggH", _frame("ggH", 3))
    other = replace(ATTRIBUTES, config_hash="full-b", fingerprint={"config_hash": "selection-b"})
    _write(path, "llll", _frame("llll", 3, label=0), other)
    with pytest.raises(SkimTableError) as error:
        skim_table.read(path)
    text = str(error.value)
    assert "different skim configs" in text and "ggH: selection-a" in text and "llll: selection-b" in text
    assert len(skim_table.read(path, "llll")) == 3  # one table alone is of one config
    # the same selection with another sample list is one config
    _write(path, "llll", _frame("llll", 3, label=0), replace(ATTRIBUTES, config_hash="full-b"))
    assert len(skim_table.read(path)) == 6


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / skim_table.FILE_NAME
    _write(path, "ggH", _frame("ggH", 3))
    before = path.read_bytes()

    def short(store: pd.HDFStore, key: str, frame: pd.DataFrame, expected: int | None) -> None:
        real(store, key, frame.iloc[:1], expected)  # as if HDF5 had silently lost rows

    real = skim_table._append
    monkeypatch.setattr(skim_table, "_append", short)
    with pytest.raises(OutputError, match="cannot write .*expected"):
        _write(path, "llll", _frame("llll", 4, label=0))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.slow
def test_full_disk_leaves_no_file_and_one_line(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    script = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(REPO / "tests" / "artifacts")!r})
        from test_skim_table import _frame, _write
        from higgshunt.errors import HiggshuntError
        frame = _frame("ggH", 200_000)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            _write({str(path)!r}, "ggH", frame)
        except HiggshuntError as exc:
            print(exc, file=sys.stderr)
            sys.exit(1)
        """
    )
    # no bytecode written: Python would install a truncated .pyc under the limit
    env = {"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: cannot write ("), done.stderr
    assert list(tmp_path.iterdir()) == []


def test_attributes_are_stored_as_json(tmp_path: Path) -> None:
    import tables

    path = tmp_path / skim_table.FILE_NAME
    _write(path, "ggH", _frame("ggH", 3))
    with tables.open_file(path) as handle:
        stored = handle.get_node("/ggH/table")._v_parent._v_attrs[skim_table.ATTRIBUTE]
    assert isinstance(stored, str)
    assert json.loads(stored) == asdict(ATTRIBUTES)


def test_version_1_tables_with_pickled_attributes_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / skim_table.FILE_NAME
    old = _frame("ggH", 3)
    old.to_hdf(path, key="ggH", format="table")
    with pd.HDFStore(path, mode="a") as store:
        setattr(
            store.get_storer("ggH").attrs, skim_table.ATTRIBUTE, asdict(replace(ATTRIBUTES, format_version=1))
        )
    assert skim_table.attributes(path, "ggH") == replace(ATTRIBUTES, format_version=1)
    _write(path, "llll", _frame("llll", 2, label=0))  # appending keeps the old table readable
    assert skim_table.attributes(path, "ggH") == replace(ATTRIBUTES, format_version=1)
    assert len(skim_table.read(path)) == 5
