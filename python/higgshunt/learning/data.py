"""Labelled tables for training: read HDF5 / CSV / ROOT trees, check the features, split into arrays.

Every problem with the input (missing column, non-finite values, a single class) is reported as an
`InputError` naming the file and the column, before any model is built.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from higgshunt.artifacts import skim_table
from higgshunt.errors import InputError

log = logging.getLogger(__name__)

_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
_HDF_SUFFIXES = (".h5", ".hdf5", ".hdf")
_ROOT_SUFFIXES = (".root",)
_TREE_CLASSES = ("TTree", "ROOT::RNTuple")  # uproot >= 5.6 writes RNTuples by default
# Each fold model trains on the other folds (minus a validation share) and is tested on its own fold: fewer
# events of a class per fold leave splits without that class and metrics that are not defined.
MIN_EVENTS_PER_CLASS_AND_FOLD = 5
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# The label value(s) that mark signal: a number, a string (e.g. 's' in the Higgs ML 2014 tables) or a list of
# them for several signal classes.
SignalValue = str | float | list[str | float]


@dataclass(frozen=True)
class Dataset:
    """Arrays of one labelled table, in a fixed feature order.

    Attributes:
        features: names of the input columns, in the order of the columns of `x`.
        x: float64 array (n_events, n_features).
        y: int array of 1 (signal) and 0 (background).
        weight: physics event weights (luminosity-normalised when the table carries them; ones otherwise).
        has_weights: whether `weight` came from a column of the table.
        mass: the mass column used for decorrelation studies, or None.
        fold: the k-fold index per event (eventNumber % k, else the table's fold column, else a seeded random
            split).
        event_id: (runNumber, eventNumber) pairs when the table has them, else the row number; used to
            re-attach scores.
        source: the file the events came from, for messages.
        fold_origin: how `fold` was assigned, in words (recorded in the trained model's manifest).
    """

    features: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    has_weights: bool
    mass: np.ndarray | None
    fold: np.ndarray
    event_id: np.ndarray
    source: str
    fold_origin: str = "eventNumber % n_folds"

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def subset(self, mask: np.ndarray) -> Dataset:
        """The events selected by a boolean mask or an index array."""
        return Dataset(
            features=self.features,
            x=self.x[mask],
            y=self.y[mask],
            weight=self.weight[mask],
            has_weights=self.has_weights,
            mass=None if self.mass is None else self.mass[mask],
            fold=self.fold[mask],
            event_id=self.event_id[mask],
            source=self.source,
            fold_origin=self.fold_origin,
        )


def load_table(path: str | Path, key: str | None = None, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a table from HDF5 (pandas key; all keys concatenated when `key` is None), CSV(.gz) or a ROOT
    TTree.

    For ROOT files `key` is the tree name (the only tree when None). `columns` restricts what is read where
    the format allows it.

    Raises:
        InputError: a missing, unreadable or empty table (no rows).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    frame = _read_table(path, key, columns)
    if len(frame) == 0:
        raise InputError(f"{path}: the table is empty (no rows)")
    return frame


def _read_table(path: Path, key: str | None, columns: list[str] | None) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith(_HDF_SUFFIXES):
        return skim_table.read(path, key)
    if name.endswith(_CSV_SUFFIXES):
        try:
            return pd.read_csv(path, usecols=columns)
        except ValueError as exc:  # pandas names the missing columns
            raise InputError(f"{path}: {exc}") from exc
    if name.endswith(_ROOT_SUFFIXES):
        return _read_root(path, key, columns)
    raise InputError(f"{path}: unknown table format; expected .h5/.hdf5, .csv(.gz) or .root")


def _read_root(path: Path, key: str | None, columns: list[str] | None) -> pd.DataFrame:
    import uproot

    try:
        with uproot.open(path) as handle:
            trees = [k.split(";")[0] for k, cls in handle.classnames().items() if cls in _TREE_CLASSES]
            if key is None:
                if len(trees) != 1:
                    raise InputError(
                        f"{path}: give the tree name (--key); trees: {', '.join(trees) or 'none'}"
                    )
                key = trees[0]
            if key not in trees:
                raise InputError(f"{path}: no tree '{key}'; trees: {', '.join(trees) or 'none'}")
            tree = handle[key]
            missing = [c for c in columns or [] if c not in tree.keys()]
            if missing:
                raise InputError(f"{path}: tree '{key}' has no branch {', '.join(missing)}")
            frame: pd.DataFrame = tree.arrays(columns, library="pd")
            return frame
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable ROOT file ({exc})") from exc


def add_derived(frame: pd.DataFrame, derived: Mapping[str, str], source: str = "<table>") -> pd.DataFrame:
    """`frame` with the columns of `derived` (name -> arithmetic expression of its columns) appended.

    The expressions stay valid C++ (see the schema's pattern), so the scoring inside RDataFrame defines the
    same columns from the same text.
    """
    if not derived:
        return frame
    frame = frame.copy()
    for name, expression in derived.items():
        if name in frame.columns:
            raise InputError(f"{source}: data.derived.{name}: the table already has a column '{name}'")
        try:
            values = frame.eval(expression, engine="python")
        except (NameError, SyntaxError, KeyError, pd.errors.UndefinedVariableError) as exc:
            raise InputError(
                f"{source}: data.derived.{name}: cannot evaluate '{expression}' on the table's columns "
                f"({exc})"
            ) from exc
        frame[name] = np.asarray(values, dtype=np.float64)
    return frame


def in_mass_range(
    frame: pd.DataFrame, mass: str | None, mass_range: Sequence[float] | None, source: str = "<table>"
) -> pd.DataFrame:
    """The rows of `frame` whose `mass` column lies in [low, high) of `mass_range` (all rows without one)."""
    if mass_range is None:
        return frame
    low, high = (float(v) for v in mass_range)
    if not mass or mass not in frame.columns:
        raise InputError(f"{source}: data.mass_range needs data.mass, a column of the table (got {mass!r})")
    if not low < high:
        raise InputError(f"{source}: data.mass_range: low ({low}) must be below high ({high})")
    values = pd.to_numeric(frame[mass], errors="coerce")
    kept = frame[(values >= low) & (values < high)]
    log.info("%s: %d of %d events with %s in [%g, %g)", source, len(kept), len(frame), mass, low, high)
    return kept


def expand_features(patterns: list[str], columns: list[str], source: str = "<table>") -> list[str]:
    """Feature names with shell-style patterns (e.g. 'rmm_*') expanded against the table's columns, in table
    order.

    Plain names are kept as given (a missing one is reported by `prepare`); a pattern matching nothing is an
    error.
    """
    out: list[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matched = [c for c in columns if fnmatch.fnmatchcase(c, pattern)]
            if not matched:
                raise InputError(f"{source}: feature pattern '{pattern}' matches no column")
            out += [c for c in matched if c not in out]
        elif pattern not in out:
            out.append(pattern)
    return out


def prepare(
    frame: pd.DataFrame,
    *,
    features: list[str],
    label: str,
    signal_value: SignalValue = 1,
    weight: str | None = None,
    mass: str | None = None,
    fold_column: str | None = "fold",
    n_folds: int = 3,
    seed: int = 0,
    drop_nonfinite: bool = False,
    require_both_classes: bool = True,
    min_events: int = 0,
    source: str = "<table>",
) -> Dataset:
    """Check a table and turn it into a `Dataset`.

    Rows whose label is negative (the skim's collision data, label -1) are not labelled events and are
    removed. Non-finite feature values are counted per column; they raise an `InputError` unless
    `drop_nonfinite`, in which case those rows are dropped with a warning. Without the fold column the folds
    are a seeded random split. `min_events` is the least number of events of each class a training needs
    in each fold (background only without `require_both_classes`). Each class's weights must sum to a
    positive yield.
    """
    needed = list(features) + [label] + [c for c in (weight, mass) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column {', '.join(repr(c) for c in missing)}; "
            f"available: {', '.join(map(str, frame.columns[:40]))}"
        )
    if len(set(features)) != len(features):
        raise InputError(f"{source}: feature list has duplicates: {features}")
    labels = pd.to_numeric(frame[label], errors="coerce").to_numpy(dtype=np.float64)
    if label == "label" or np.any(labels == -1):
        frame = frame[labels != -1]
        labels = labels[labels != -1]
    is_signal = signal_mask(frame[label], signal_value)
    if len(frame) == 0:
        raise InputError(f"{source}: no labelled events (rows with {label} -1 are collision data)")
    x = _numeric(frame, features, source)
    finite = np.abs(x) <= _FLOAT32_MAX  # the models compute in float32: larger values are inf there
    bad_rows = ~finite.all(axis=1)
    if bad_rows.any():
        counts = {f: int((~finite[:, i]).sum()) for i, f in enumerate(features) if (~finite[:, i]).any()}
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        if not drop_nonfinite:
            raise InputError(
                f"{source}: {int(bad_rows.sum())} rows have NaN/inf features ({detail}); "
                "fix the input, or use --drop-nonfinite (data.drop_nonfinite: true in a config)"
            )
        log.warning("%s: dropping %d rows with NaN/inf features (%s)", source, int(bad_rows.sum()), detail)
        keep = ~bad_rows
        frame, x, is_signal = frame[keep], x[keep], is_signal[keep]
    constant = [f for i, f in enumerate(features) if len(x) and np.ptp(x[:, i]) == 0]
    if constant:  # e.g. always-empty RMM cells: harmless, but they carry no information
        log.warning("%s: features constant over all events: %s", source, ", ".join(constant))
    y = is_signal.astype(np.int8)
    if require_both_classes and (len(np.unique(y)) < 2):
        only = "signal" if len(y) and y[0] == 1 else "background"
        raise InputError(
            f"{source}: column '{label}' gives one class only ({only}, {len(y)} events); "
            f"signal is '{label}' in {_signal_values(signal_value)}; values found: "
            f"{_values_found(frame[label])}"
        )
    w = np.ones(len(y))
    if weight:
        w = _numeric(frame, [weight], source)[:, 0]
        if not np.all(np.isfinite(w)):
            raise InputError(f"{source}: weight column '{weight}' has NaN/inf values")
        _require_positive_yields(y, w, weight, source)
    m = _numeric(frame, [mass], source)[:, 0] if mass else None
    folds, fold_origin = _folds(frame, fold_column, n_folds, seed, source)
    if min_events:
        _require_events_per_fold(
            y, folds, n_folds, (1, 0) if require_both_classes else (0,), min_events, source
        )
    event_id = _event_ids(frame, source)
    return Dataset(tuple(features), x, y, w, weight is not None, m, folds, event_id, source, fold_origin)


def _signal_values(signal_value: SignalValue) -> list[str | float]:
    return list(signal_value) if isinstance(signal_value, (list, tuple)) else [signal_value]


def signal_mask(labels: pd.Series, signal_value: SignalValue) -> np.ndarray:
    """Which rows are signal: the label equals one of the signal values.

    Tables label classes with numbers (1/0) or strings ('s'/'b', 'ggH'); a value matches a label that is
    the same string (surrounding blanks ignored, so CSV padding is harmless) or the same number, so '1' given
    on the command line matches a numeric label 1 and 1 matches a string label '1'.
    """
    text = labels.astype(str).str.strip().to_numpy()
    numbers = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=np.float64)
    mask = np.zeros(len(labels), dtype=bool)
    for value in _signal_values(signal_value):
        as_number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        mask |= text == str(value).strip()
        if np.isfinite(as_number):
            mask |= numbers == float(as_number)
    return mask


def _values_found(labels: pd.Series, limit: int = 10) -> str:
    """The distinct label values of a column, for error messages (the first `limit`, sorted)."""
    found = sorted({str(v).strip() for v in labels.unique()})
    more = f" ... ({len(found)} values)" if len(found) > limit else ""
    return ", ".join(repr(v) for v in found[:limit]) + more


def _require_positive_yields(y: np.ndarray, w: np.ndarray, weight: str, source: str) -> None:
    """Negative weights are fine event by event, but a class whose weights do not sum to a positive yield
    has no meaningful efficiency, ROC curve or training weight."""
    for value, name in ((1, "signal"), (0, "background")):
        total = float(w[y == value].sum())
        if np.any(y == value) and not total > 0:
            raise InputError(
                f"{source}: weight column '{weight}': the {name} events' weights sum to {total:g}; "
                "expected a positive total"
            )


def _require_events_per_fold(
    y: np.ndarray, folds: np.ndarray, n_folds: int, classes: tuple[int, ...], minimum: int, source: str
) -> None:
    for fold in range(n_folds):
        for value in classes:
            count = int(np.sum((folds == fold) & (y == value)))
            if count < minimum:
                name = "signal" if value == 1 else "background"
                raise InputError(
                    f"{source}: too few events to train {n_folds} fold(s): fold {fold} has {count} {name} "
                    f"events of {len(y)}, at least {minimum} are needed per class and fold"
                )


def _numeric(frame: pd.DataFrame, columns: list[str], source: str) -> np.ndarray:
    out = np.empty((len(frame), len(columns)))
    for i, column in enumerate(columns):
        values = frame[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise InputError(f"{source}: column '{column}' is not numeric (dtype {values.dtype})")
        out[:, i] = values.to_numpy(dtype=np.float64)
    return out


def _folds(
    frame: pd.DataFrame, fold_column: str | None, n_folds: int, seed: int, source: str
) -> tuple[np.ndarray, str]:
    """Fold per event and how it was assigned: eventNumber % k when the table has eventNumber (the rule the
    saved models and the C++ inference use), else the fold column, else a seeded random split."""
    if n_folds < 1:
        raise InputError(f"{source}: number of folds must be >= 1, got {n_folds}")
    if n_folds == 1:  # one model for all events; the training holds out its own test sample
        return np.zeros(len(frame), dtype=np.int64), "one fold: a held-out share of the events is the test"
    if "eventNumber" in frame.columns:
        # the skim's own fold column used its k; re-derive the fold for the k asked here
        return _integers(frame, "eventNumber", source) % n_folds, f"eventNumber % {n_folds}"
    if fold_column and fold_column in frame.columns:
        folds = _integers(frame, fold_column, source)
        if folds.min(initial=0) < 0 or folds.max(initial=0) >= n_folds:
            raise InputError(f"{source}: column '{fold_column}' has values outside 0..{n_folds - 1}")
        return folds, f"column '{fold_column}'"
    log.warning(
        "%s: no eventNumber or fold column: folds are a seeded random split (seed %d); later evaluations "
        "find training events by their content",
        source,
        seed,
    )
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_folds, size=len(frame)).astype(np.int64), f"seeded random split (seed {seed})"


def row_hashes(x: np.ndarray) -> np.ndarray:
    """One 64-bit hash per row of a feature array: identifies events of tables without eventNumber."""
    return pd.util.hash_pandas_object(pd.DataFrame(np.ascontiguousarray(x)), index=False).to_numpy()


def _integers(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    values = frame[column]
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(numbers) & (numbers == np.round(numbers))):
        raise InputError(f"{source}: column '{column}' must hold integers (dtype {values.dtype})")
    return numbers.astype(np.int64)


def _event_ids(frame: pd.DataFrame, source: str) -> np.ndarray:
    if {"runNumber", "eventNumber"} <= set(frame.columns):
        return np.stack([_integers(frame, c, source) for c in ("runNumber", "eventNumber")], axis=1)
    rows = np.arange(len(frame), dtype=np.int64)
    return np.stack([np.zeros_like(rows), rows], axis=1)
