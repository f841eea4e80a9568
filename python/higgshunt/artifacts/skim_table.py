"""The skim table `<output>/<channel>/skim.h5`: the selected events of each sample, written by the skim and
read by the training.

Layout: one pandas/PyTables table per sample under `/<sample>`; columns RESERVED_COLUMNS in that order, then
the config's features. `fold = eventNumber % k` (FOLD_RULE), the rule the trained models and the C++
inference use. Integer features (charges, pdgIds, object counts) are stored as integers. Each table carries
the attribute `higgshunt`, a JSON string of `TableAttributes` (provenance, config hash, the fingerprint the
skim resumes by, normalisation, cutflow), readable without Python. Format version 2; tables of version 1
(attributes as a pickled dict, every feature a float64) are still read.

Every update writes a complete new file under a temporary name, opens it again to check that every table is
there with its rows, and renames it; tables are written and copied CHUNK_ROWS rows at a time, so memory does
not grow with them. HDF5 does not report every failed write (a full disk, a file-size limit), hence the check.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tables

from higgshunt.artifacts.checks import failure_cause
from higgshunt.errors import ArtifactError, OutputError
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

FILE_NAME = "skim.h5"
FORMAT_VERSION = 2
# Versions this higgshunt reads: 1 stored the attributes as a pickled dict.
READABLE_VERSIONS = (1, 2)
ATTRIBUTE = "higgshunt"
FOLD_RULE = "eventNumber % k"
# An integer feature's missing entry (a vector shorter than the layout); 0 is no particle (pdgId), no charge
# and no object, so it cannot be mistaken for a real value of the features stored as integers.
MISSING_INTEGER = 0
# Columns every table has before the features, in this order; a feature may not reuse these names.
RESERVED_COLUMNS = (
    "runNumber",
    "eventNumber",
    "fold",
    "weight",
    "w_mc",
    "w_sf",
    "w_norm",
    "label",
    "sample",
    "dsid",
)
# Rows per write (and per read when copying): ~20 MB of the four-lepton table, large PyTables chunks.
CHUNK_ROWS = 50_000
_FORCE = "; remove it or use --force"
# What writing an HDF5 file raises (PyTables' own errors); reading a damaged one also raises what pandas and
# unpickling the attributes raise.
_WRITE_ERRORS = (OSError, tables.exceptions.HDF5ExtError, tables.exceptions.NodeError)
_READ_ERRORS = (*_WRITE_ERRORS, ValueError, TypeError, EOFError, AttributeError, pickle.UnpicklingError)


class SkimTableError(ArtifactError):
    """A skim file is unreadable, of another format version, or mixes tables of different configs."""


@dataclass(frozen=True)
class TableAttributes:
    """What the skim records with each sample's table.

    Attributes:
        provenance: config, code and library versions of the run.
        config_hash: hash of the whole skim config.
        fingerprint: what decides the table (config hash without the sample list, sample metadata, input files
            with size and modification time, --max-events); equal fingerprints mark a sample complete.
        lumi_fb, xsec_pb, sum_weights, dsid, kind: the sample's normalisation and identity.
        files: the input files read.
        cutflow: the sample's weighted cutflow.
    """

    provenance: Mapping[str, Any]
    config_hash: str
    fingerprint: Mapping[str, Any]
    lumi_fb: float | None
    xsec_pb: float | None
    sum_weights: float | None
    dsid: int
    kind: str
    files: list[str]
    cutflow: Mapping[str, Any]
    format_version: int = field(default=FORMAT_VERSION)

    @property
    def selection_hash(self) -> Any:
        """Hash of the config without its sample list: equal for tables of the same selection and columns."""
        return self.fingerprint.get("config_hash")


def fold(event_numbers: Any, k: int) -> np.ndarray:
    """The fold of each event: FOLD_RULE."""
    return (np.asarray(event_numbers, dtype=np.int64) % k).astype(np.int32)


def to_frame(
    arrays: Mapping[str, Any],
    *,
    name: str,
    label: int,
    folds: int,
    dsid: int,
    features: list[str],
    integers: Collection[str] = (),
) -> pd.DataFrame:
    """The table of sample `name` from its column arrays, in the layout's column order and dtypes; the
    features in `integers` are stored as int32, a missing entry (NaN: a vector shorter than the layout) as
    MISSING_INTEGER."""
    n = len(arrays["eventNumber"])
    event = np.asarray(arrays["eventNumber"], dtype=np.int64)
    columns: dict[str, Any] = {
        "runNumber": np.asarray(arrays["runNumber"], dtype=np.int64),
        "eventNumber": event,
        "fold": fold(event, folds),
        "weight": np.asarray(arrays["weight"], dtype=np.float64),
        "w_mc": np.asarray(arrays["w_mc"], dtype=np.float64),
        "w_sf": np.asarray(arrays["w_sf"], dtype=np.float64),
        "w_norm": np.asarray(arrays["w_norm"], dtype=np.float64),
        "label": np.full(n, label, dtype=np.int8),
        "sample": np.full(n, name, dtype=object),
        "dsid": np.full(n, dsid, dtype=np.int32),
    }
    for feature in features:
        values = np.asarray(arrays[feature])
        if feature in integers:
            values = np.where(np.isfinite(values), values, MISSING_INTEGER).astype(np.int32)
        columns[feature] = values
    return pd.DataFrame(columns)


def to_frames(
    chunks: Iterable[Mapping[str, Any]],
    *,
    name: str,
    label: int,
    folds: int,
    dsid: int,
    features: list[str],
    integers: Collection[str] = (),
) -> Iterator[pd.DataFrame]:
    """`to_frame` of every chunk of arrays, lazily, indexed by row number across the chunks (as one frame
    of the whole table would be)."""
    offset = 0
    for arrays in chunks:
        frame = to_frame(
            arrays, name=name, label=label, folds=folds, dsid=dsid, features=features, integers=integers
        )
        frame.index = pd.RangeIndex(offset, offset + len(frame))
        offset += len(frame)
        yield frame


def write(
    path: str | Path,
    name: str,
    frames: pd.DataFrame | Iterable[pd.DataFrame],
    attributes: TableAttributes,
    *,
    complib: str,
    complevel: int,
    expected_rows: int | None = None,
    replace_unreadable: bool = False,
) -> None:
    """Put `frames` (one DataFrame, or chunks of one table appended in order) under `/<name>` of the skim file
    at `path`, replacing an older table of that name and keeping the others. `expected_rows` sizes the table's
    HDF5 chunks when the frames come one at a time. An existing file that is not readable is an error, or with
    `replace_unreadable` (--force) is replaced by a file holding this table only.

    Raises:
        SkimTableError: the existing file is unreadable (and not `replace_unreadable`).
        OutputError: the file cannot be written, or does not read back complete.
    """
    path = Path(path)
    if isinstance(frames, pd.DataFrame):
        expected_rows = len(frames)
        frames = [frames]
    existing = _existing_rows(path, replace_unreadable)
    written = {key: rows for key, rows in existing.items() if key != name}

    def verify(tmp: Path) -> None:
        _check_written(tmp, path, written)

    try:
        with atomic_output(path, verify=verify) as tmp:
            if existing and name not in existing:
                shutil.copyfile(path, tmp)  # appending keeps the other tables byte for byte
            elif existing:
                _copy_tables(path, tmp, list(written), complib, complevel)
            with pd.HDFStore(tmp, mode="a", complib=complib, complevel=complevel) as store:
                written[name] = _put(store, name, frames, asdict(attributes), expected_rows)
    except _WRITE_ERRORS as exc:
        raise OutputError(f"{path}: cannot write ({_cause(exc)})") from exc
    log.info("wrote %d events of %s to %s:/%s", written[name], name, path, name)


def keys(path: str | Path) -> list[str]:
    """Sample tables in an existing skim file (empty if it does not exist).

    Raises:
        SkimTableError: the file is not a readable HDF5 file.
    """
    return list(_existing_rows(Path(path), replace_unreadable=False))


def attributes(path: str | Path, name: str) -> TableAttributes | None:
    """The attributes of a sample's table, None if the table (or the file) is missing or has none.

    Raises:
        SkimTableError: the file is unreadable, or the table is of another format version.
    """
    path = Path(path)
    if name not in keys(path):
        return None
    with _open(path) as store:
        return _attributes(store, name, path)


def read(path: str | Path, key: str | None = None) -> pd.DataFrame:
    """The table `key`, or all tables concatenated (in file order) when `key` is None.

    Also reads HDF5 table files that higgshunt did not write (no attributes). Tables written by the skim must
    be of this format version and, read together, of the same config.

    Raises:
        SkimTableError: unreadable file, missing table, no tables, another format version, or tables of
            different configs.
    """
    path = Path(path)
    with _open(path, hint="") as store:
        names = [item.lstrip("/") for item in store.keys()]
        if key is not None:
            wanted = key.lstrip("/")
            if wanted not in names:
                raise SkimTableError(f"{path}: no table '{key}'; tables: {', '.join(names) or 'none'}")
            _attributes(store, wanted, path)
            return _select(store, wanted, path)
        if not names:
            raise SkimTableError(f"{path}: the file holds no tables")
        _check_one_config(path, {name: _attributes(store, name, path) for name in names})
        log.info("%s: reading %d tables: %s", path, len(names), ", ".join(names))
        return pd.concat([_select(store, name, path) for name in names], ignore_index=True)


def _open(path: Path, hint: str = _FORCE) -> pd.HDFStore:
    if not path.exists():
        raise SkimTableError(f"{path}: no such file (expected a skim table)")
    try:
        return pd.HDFStore(path, mode="r")
    except _READ_ERRORS as exc:
        raise SkimTableError(f"{path}: not a readable HDF5 file ({_cause(exc)}){hint}") from exc


def _select(store: pd.HDFStore, name: str, path: Path) -> pd.DataFrame:
    try:
        frame: pd.DataFrame = store[name]
    except _READ_ERRORS as exc:
        raise SkimTableError(f"{path}: table '{name}' is not readable ({_cause(exc)})") from exc
    return frame


def _existing_rows(path: Path, replace_unreadable: bool) -> dict[str, int]:
    """Rows per table of the file at `path`, in file order ({} when there is none, or when it is unreadable
    and `replace_unreadable`)."""
    if not path.exists():
        return {}
    try:
        with _open(path) as store:
            return {item.lstrip("/"): _rows(store, item, path) for item in store.keys()}
    except SkimTableError:
        if not replace_unreadable:
            raise
        log.warning("%s: not a readable HDF5 file; --force: replacing it", path)
        return {}


def _rows(store: pd.HDFStore, name: str, path: Path) -> int:
    try:
        return int(store.get_storer(name).nrows)
    except _READ_ERRORS as exc:
        raise SkimTableError(
            f"{path}: not a readable HDF5 file (table '{name}': {_cause(exc)}){_FORCE}"
        ) from exc


def _attributes(store: pd.HDFStore, name: str, path: Path) -> TableAttributes | None:
    try:
        stored = getattr(store.get_storer(name).attrs, ATTRIBUTE, None)
    except _READ_ERRORS as exc:
        raise SkimTableError(
            f"{path}: table '{name}': unreadable attributes ({_cause(exc)}){_FORCE}"
        ) from exc
    if stored is None:
        return None
    where = f"{path}:/{name}"
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError as exc:
            raise SkimTableError(f"{where}: attribute '{ATTRIBUTE}' is not JSON ({exc}){_FORCE}") from exc
    if not isinstance(stored, dict):
        raise SkimTableError(f"{where}: attribute '{ATTRIBUTE}' is not a JSON object{_FORCE}")
    version = stored.get("format_version", 1)
    if version not in READABLE_VERSIONS:
        raise SkimTableError(
            f"{where}: a skim table of format version {version!r}, this higgshunt reads version "
            f"{FORMAT_VERSION}; rerun the skim with --force"
        )
    try:
        return TableAttributes(**stored)
    except TypeError as exc:
        raise SkimTableError(
            f"{where}: attribute '{ATTRIBUTE}' is not a skim table's ({exc}){_FORCE}"
        ) from exc


def _check_one_config(path: Path, found: Mapping[str, TableAttributes | None]) -> None:
    """Refuse tables written by different skim configs (e.g. an interrupted --force run after a change)."""
    hashes = {name: attrs.selection_hash for name, attrs in found.items() if attrs is not None}
    if len(set(hashes.values())) > 1:
        listed = ", ".join(f"{name}: {value}" for name, value in hashes.items())
        raise SkimTableError(
            f"{path}: its tables come from different skim configs (config hash per table: {listed}); "
            "rerun the skim (it redoes the tables of other configs) or use --force"
        )


def _check_written(tmp: Path, final: Path, expected: Mapping[str, int]) -> None:
    """The file at `tmp` must open and hold exactly the `expected` tables with their rows."""
    try:
        with pd.HDFStore(tmp, mode="r") as store:
            found = {item.lstrip("/"): int(store.get_storer(item).nrows) for item in store.keys()}
    except _READ_ERRORS as exc:
        cause = failure_cause(tmp, f"the written file does not read back: {_cause(exc)}")
        raise OutputError(f"{final}: cannot write ({cause})") from exc
    if found != dict(expected):
        raise OutputError(
            f"{final}: cannot write (the written file holds tables {found}, expected {dict(expected)})"
        )


def _cause(exc: BaseException) -> str:
    """One line saying why: for HDF5 errors the innermost message of their back trace."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if "End of HDF5 error back trace" in lines:
        end = lines.index("End of HDF5 error back trace")
        return lines[end - 1] if end > 0 else lines[-1]
    return lines[0] if lines else type(exc).__name__


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
        # pandas' own table metadata is pickled by PyTables and warns so; our attribute is JSON.
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
        setattr(store.get_storer(key).attrs, ATTRIBUTE, json.dumps(attrs, sort_keys=True))
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
            stored = getattr(storer.attrs, ATTRIBUTE, {})
            _put(new, name, frames, json.loads(stored) if isinstance(stored, str) else dict(stored), rows)
