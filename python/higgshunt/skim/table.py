"""The exported columns of one sample, booked lazily and read back in bounded chunks after the event loop.

Locally every selected event becomes one row of doubles (ids and integers are exact up to 2^53) that the
compiled RowSpill (cpp/include/higgshunt/skim_rows.hpp) buffers per event-loop slot and appends to a scratch
file; `chunks()` then reads at most `chunk_rows` rows at a time. Memory therefore stays bounded whatever the
number of selected events, and the rows cost one copy instead of one `Take` vector per column plus the
conversion to numpy. Distributed RDataFrame cannot run a custom action on its workers: there the table comes
from a lazy AsNumpy, held whole by the client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.errors import NativeLibraryError

log = logging.getLogger(__name__)

ROW_COLUMN = "_export_row"
ACTION_HEADER = "higgshunt/skim_rows_action.hpp"
# Rows a slot buffers before writing them to its scratch file: about 1.5 MB for the four-lepton table.
BUFFER_ROWS = 4096
_declared = False


class LazyTable:
    """The booked table of one sample; `rows()` and `chunks()` read it after the event loop."""

    def __init__(
        self, columns: list[str], *, spill: Any = None, count: Any = None, arrays: Any = None
    ) -> None:
        self.columns = columns
        self._spill = spill
        self._count = count
        self._arrays = arrays

    @classmethod
    def book(cls, node: Any, columns: list[str], *, spill_prefix: str | None) -> LazyTable:
        """Book `columns` (dataframe columns convertible to double) on `node`.

        With a `spill_prefix` (a path prefix for the scratch files, local event loops) the rows are spilled;
        without one (distributed event loops) the columns come from a lazy AsNumpy.
        """
        if spill_prefix is None:
            return cls(columns, arrays=node.AsNumpy(columns, lazy=True))
        import ROOT

        _declare_action()
        row = "ROOT::RVecD{" + ", ".join(f"double({name})" for name in columns) + "}"
        node = ROOT.RDF.AsRNode(node.Define(ROW_COLUMN, row))
        spill = ROOT.higgshunt.MakeRowSpill(spill_prefix, len(columns), BUFFER_ROWS, node.GetNSlots())
        return cls(columns, spill=spill, count=ROOT.higgshunt.BookRowSpill(node, ROW_COLUMN, spill))

    def rows(self) -> int:
        """The number of selected events."""
        if self._count is not None:
            return int(self._count.GetValue())
        return len(self._arrays.GetValue()[self.columns[0]])

    def chunks(self, chunk_rows: int) -> Iterator[dict[str, np.ndarray]]:
        """Column name -> float64 array, at most `chunk_rows` rows at a time; one empty chunk if no event
        was selected (so that an empty table still has its columns)."""
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
        if self.rows() == 0:
            yield {name: np.empty(0, dtype=np.float64) for name in self.columns}
            return
        if self._spill is None:
            values = self._arrays.GetValue()
            arrays = {name: np.asarray(values[name], dtype=np.float64) for name in self.columns}
            for start in range(0, self.rows(), chunk_rows):
                yield {name: array[start : start + chunk_rows] for name, array in arrays.items()}
            return
        for path in self._spill.Files():
            yield from spilled_chunks(Path(str(path)), self.columns, chunk_rows)


def spilled_chunks(path: Path, columns: list[str], chunk_rows: int) -> Iterator[dict[str, np.ndarray]]:
    """Read a RowSpill file (rows of len(columns) doubles) `chunk_rows` rows at a time."""
    width = len(columns)
    row_bytes = width * np.dtype(np.float64).itemsize
    total, remainder = divmod(path.stat().st_size, row_bytes)
    if remainder:
        raise NativeLibraryError(f"{path}: {path.stat().st_size} bytes is not a whole number of rows")
    with path.open("rb") as handle:
        for _ in range(0, total, chunk_rows):
            block = np.fromfile(handle, dtype=np.float64, count=chunk_rows * width).reshape(-1, width)
            # one contiguous copy per column: pandas and PyTables would copy strided columns anyway
            yield {name: np.ascontiguousarray(block[:, i]) for i, name in enumerate(columns)}


def _declare_action() -> None:
    global _declared
    if _declared:
        return
    import ROOT

    if not ROOT.gInterpreter.Declare(f'#include "{ACTION_HEADER}"'):
        raise NativeLibraryError(f"ROOT could not declare {ACTION_HEADER}; run `make build`")
    _declared = True
