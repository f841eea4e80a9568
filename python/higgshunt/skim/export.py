"""Write the selected events of each sample as a pandas/PyTables table in `<output>/<channel>/skim.h5`.

One table per sample under `/<sample>`. Every update writes a complete new file under a temporary name and
renames it, so a crash never leaves a half-written file and the other samples' tables stay as they were.
Tables are written and copied chunk by chunk (CHUNK_ROWS rows at a time), so memory does not grow with them.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from higgshunt.errors import InputError
from higgshunt.eventloop.samples import Sample
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

ATTRIBUTE = "higgshunt"
# Rows per write (and per read when copying): ~20 MB of the four-lepton table, large PyTables chunks.
CHUNK_ROWS = 50_000


def to_frame(
    arrays: Mapping[str, Any], sample: Sample, *, folds: int, dsid: int, features: list[str]
) -> pd.DataFrame:
    """The table of one sample in the contract's column order and dtypes."""
    n = len(arrays["eventNumber"])
    event = np.asarray(arrays["eventNumber"], dtype=np.int64)
    columns: dict[str, Any] = {
        "runNumber": np.asarray(arrays["runNumber"], dtype=np.int64),
        "eventNumber": event,
        "fold": (event % folds).astype(np.int32),
        "weight": np.asarray(arrays["weight"], dtype=np.float64),
        "w_mc": np.asarray(arrays["w_mc"], dtype=np.float64),
        "w_sf": np.asarray(arrays["w_sf"], dtype=np.float64),
        "w_norm": np.asarray(arrays["w_norm"], dtype=np.float64),
        "label": np.full(n, sample.label, dtype=np.int8),
        "sample": np.full(n, sample.name, dtype=object),
        "dsid": np.full(n, dsid, dtype=np.int32),
    }
    for name in features:
        columns[name] = np.asarray(arrays[name])
    return pd.DataFrame(columns)


def to_frames(
    chunks: Iterable[Mapping[str, Any]], sample: Sample, *, folds: int, dsid: int, features: list[str]
) -> Iterator[pd.DataFrame]:
    """`to_frame` of every chunk of arrays, lazily, indexed by row number across the chunks (as one frame
    of the whole table would be)."""
    offset = 0
    for arrays in chunks:
        frame = to_frame(arrays, sample, folds=folds, dsid=dsid, features=features)
        frame.index = pd.RangeIndex(offset, offset + len(frame))
        offset += len(frame)
        yield frame


def write(
    path: Path,
    frames: pd.DataFrame | Iterable[pd.DataFrame],
    sample: Sample,
    attributes: dict[str, Any],
    *,
    complib: str,
    complevel: int,
    expected_rows: int | None = None,
) -> None:
    """Put `frames` (one DataFrame, or chunks of one table appended in order) under `/<sample>` of the HDF5
    file at `path`, replacing an older table of that sample. `expected_rows` sizes the table's HDF5 chunks
    when the frames come one at a time."""
    path = Path(path)
    if isinstance(frames, pd.DataFrame):
        expected_rows = len(frames)
        frames = [frames]
    with atomic_output(path) as tmp:
        others = keys(path)
        if path.exists() and sample.name not in others:
            shutil.copyfile(path, tmp)  # appending keeps the other tables byte for byte
        elif path.exists():
            _copy_tables(path, tmp, [key for key in others if key != sample.name], complib, complevel)
        with pd.HDFStore(tmp, mode="a", complib=complib, complevel=complevel) as store:
            rows = _put(store, sample.name, frames, attributes, expected_rows)
    log.info("wrote %d events of %s to %s:/%s", rows, sample.name, path, sample.name)


def keys(path: Path) -> list[str]:
    """Sample tables in an existing skim file (empty if it does not exist)."""
    if not Path(path).exists():
        return []
    try:
        with pd.HDFStore(path, mode="r") as store:
            return [key.lstrip("/") for key in store.keys()]
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path}: existing skim output is not a readable HDF5 file ({exc}); remove it"
        ) from exc


def attributes(path: Path, sample: str) -> dict[str, Any] | None:
    """The `higgshunt` attributes of a sample's table, None if the table is missing."""
    if sample not in keys(path):
        return None
    with pd.HDFStore(path, mode="r") as store:
        attrs = store.get_storer(sample).attrs
        return dict(getattr(attrs, ATTRIBUTE)) if hasattr(attrs, ATTRIBUTE) else None


def _put(
    store: pd.HDFStore,
    key: str,
    frames: Iterable[pd.DataFrame],
    attrs: dict[str, Any],
    expected_rows: int | None,
) -> int:
    """Append the frames to table `key`; returns the number of rows written."""
    rows = 0
    first: pd.DataFrame | None = None
    with warnings.catch_warnings():
        # PyTables warns that the attribute dict is pickled; that is intended (read back with pandas).
        warnings.simplefilter("ignore", category=Warning)
        for frame in frames:
            if first is None:
                first = frame
            if len(frame) == 0:
                continue
            _append(store, key, frame, expected_rows)
            rows += len(frame)
        if rows == 0:
            if first is None:
                raise ValueError(f"table {key}: no frame given, not even an empty one with the columns")
            # pandas writes no table for an empty frame: write one row of the right types, then remove it
            _append(store, key, _placeholder_row(first), 1)
            store.remove(key, start=0, stop=1)
        setattr(store.get_storer(key).attrs, ATTRIBUTE, attrs)
    return rows


def _append(store: pd.HDFStore, key: str, frame: pd.DataFrame, expected_rows: int | None) -> None:
    store.append(
        key,
        frame,
        format="table",
        chunksize=CHUNK_ROWS,
        expectedrows=max(expected_rows or len(frame), 1),
        min_itemsize={"sample": max(8, len(key))},
        index=False,  # readers load whole tables; a PyTables index would cost time and space
    )


def _placeholder_row(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: np.array([""], dtype=object) if name == "sample" else np.zeros(1, dtype=dtype)
            for name, dtype in frame.dtypes.items()
        }
    )


def _copy_tables(source: Path, target: Path, names: list[str], complib: str, complevel: int) -> None:
    with (
        pd.HDFStore(source, mode="r") as old,
        pd.HDFStore(target, mode="w", complib=complib, complevel=complevel) as new,
    ):
        for name in names:
            storer = old.get_storer(name)
            rows = int(storer.nrows)
            # an empty table still needs one (empty) frame for its column types
            frames = old.select(name, chunksize=CHUNK_ROWS) if rows else [old.select(name)]
            _put(new, name, frames, dict(getattr(storer.attrs, ATTRIBUTE, {})), rows)
