"""Weighted cutflows: entries, sum of weights and sum of squared weights after every named cut.

ROOT's `Report()` counts entries only. Here each row books a Count and two Sums on the node after its Filter,
lazily, so the whole cutflow is filled by the one event loop that also fills the outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

WEIGHT = "weight"
WEIGHT_SQUARED = "_weight_sq"


@dataclass(frozen=True)
class CutflowRow:
    """One cut: events passing it and all cuts before, their sum of weights and of squared weights."""

    cut: str
    entries: int
    sum_w: float
    sum_w2: float

    @property
    def error(self) -> float:
        """Statistical uncertainty on sum_w: sqrt(sum of squared weights)."""
        return math.sqrt(self.sum_w2)


@dataclass(frozen=True)
class Cutflow:
    """The cutflow of one sample; the first row (`all`) counts every event read.

    `events_available` is the number of events in the sample's files: more than the first row's entries when
    --max-events stopped reading early. The yields are then those of the events read, not rescaled.
    """

    sample: str
    rows: tuple[CutflowRow, ...]
    events_available: int | None = None

    @property
    def partial_note(self) -> str | None:
        """'yields cover N of M events (--max-events), not rescaled' when not every event was read."""
        read = self.rows[0].entries if self.rows else 0
        if self.events_available is None or read >= self.events_available:
            return None
        return f"yields cover {read} of {self.events_available} events (--max-events), not rescaled"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "rows": [asdict(row) for row in self.rows],
            "events_available": self.events_available,
            "note": self.partial_note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cutflow:
        return cls(
            sample=data["sample"],
            rows=tuple(CutflowRow(**row) for row in data["rows"]),
            events_available=data.get("events_available"),
        )


class CutflowBooking:
    """Lazily booked results of one sample's cutflow; `result()` reads them after the event loop has run."""

    def __init__(self, sample: str) -> None:
        self.sample = sample
        self._booked: list[tuple[str, Any, Any, Any]] = []

    def book(self, cut: str, node: Any) -> None:
        """Book the row for `cut` on `node`, the dataframe node right after that cut's Filter."""
        self._booked.append((cut, node.Count(), node.Sum(WEIGHT), node.Sum(WEIGHT_SQUARED)))

    def first_handle(self) -> Any:
        """A result of this sample's graph, to hand to RunGraphs (it triggers the whole graph)."""
        return self._booked[0][1]

    def result(self) -> Cutflow:
        rows = tuple(
            CutflowRow(cut, int(count.GetValue()), float(sum_w.GetValue()), float(sum_w2.GetValue()))
            for cut, count, sum_w, sum_w2 in self._booked
        )
        return Cutflow(self.sample, rows)


class CutflowValues:
    """A cutflow booked in compiled code: `values()` gives (entries, sum of weights, sum of squared weights)
    per cut, in order, once the event loop has run; `handle` is a result of the same graph."""

    def __init__(
        self,
        sample: str,
        cuts: Sequence[str],
        handle: Any,
        values: Callable[[], Sequence[tuple[int, float, float]]],
    ) -> None:
        self.sample = sample
        self._cuts = list(cuts)
        self._handle = handle
        self._values = values

    def first_handle(self) -> Any:
        return self._handle

    def result(self) -> Cutflow:
        rows = tuple(
            CutflowRow(cut, entries, sum_w, sum_w2)
            for cut, (entries, sum_w, sum_w2) in zip(self._cuts, self._values(), strict=True)
        )
        return Cutflow(self.sample, rows)


def format_table(cutflows: list[Cutflow]) -> str:
    """A plain-text table of all samples' cutflows, with efficiencies relative to the first row."""
    lines = []
    header = f"{'cut':<24} {'entries':>10} {'sum w':>14} {'+-':>11} {'eff':>8}"
    for cutflow in cutflows:
        lines += [f"sample {cutflow.sample}", header, "-" * len(header)]
        first = cutflow.rows[0].sum_w if cutflow.rows else 0.0
        for row in cutflow.rows:
            eff = f"{row.sum_w / first:8.4f}" if first else f"{'-':>8}"
            lines.append(f"{row.cut:<24} {row.entries:>10d} {row.sum_w:>14.6g} {row.error:>11.4g} {eff}")
        if cutflow.partial_note:
            lines.append(f"note: {cutflow.partial_note}")
        lines.append("")
    return "\n".join(lines)


def to_histograms(cutflow: Cutflow) -> tuple[Any, Any]:
    """TH1Ds `cutflow_entries` and `cutflow_weighted` (sum w, error sqrt(sum w^2)), one bin per cut."""
    import ROOT

    n = len(cutflow.rows)
    entries = ROOT.TH1D("cutflow_entries", f"{cutflow.sample};cut;entries", n, 0.0, float(n))
    weighted = ROOT.TH1D("cutflow_weighted", f"{cutflow.sample};cut;sum of weights", n, 0.0, float(n))
    for hist in (entries, weighted):
        hist.SetDirectory(ROOT.nullptr)
    for position, row in enumerate(cutflow.rows, start=1):
        for hist in (entries, weighted):
            hist.GetXaxis().SetBinLabel(position, row.cut)
        entries.SetBinContent(position, row.entries)
        entries.SetBinError(position, math.sqrt(row.entries))
        weighted.SetBinContent(position, row.sum_w)
        weighted.SetBinError(position, row.error)
    return entries, weighted
