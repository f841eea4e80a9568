"""Jagged collections as flat numpy columns plus per-event counts, for the detector response.

Each awkward operation has a fixed cost of a fraction of a millisecond, and written with awkward the detector
response needs a few hundred of them per batch; on flat numpy arrays the same steps cost microseconds. A
`Flat` keeps one numpy array per field, all entries of all events one after the other (event-major, as
`ak.flatten` orders them), and the number of entries of each event. Converting to and from awkward happens
once per batch, at the edges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import awkward as ak
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flat:
    """Entries of `len(counts)` events: `fields[name][k]` is a property of entry k (event-major order)."""

    fields: dict[str, np.ndarray]
    counts: np.ndarray
    event: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The event of each entry: used by every selection and per-event sum.
        object.__setattr__(self, "event", np.repeat(np.arange(len(self.counts)), self.counts))

    @staticmethod
    def from_awkward(records: ak.Array, names: tuple[str, ...] | None = None) -> Flat:
        """The fields `names` (default: all) of a jagged record array."""
        names = tuple(records.fields) if names is None else names
        return Flat(
            {name: ak.to_numpy(ak.flatten(records[name])) for name in names},
            ak.to_numpy(ak.num(records)).astype(np.int64),
        )

    def __getitem__(self, name: str) -> np.ndarray:
        return self.fields[name]

    @property
    def size(self) -> int:
        """Number of entries over all events."""
        return len(self.event)

    @property
    def starts(self) -> np.ndarray:
        """Flat index of each event's first entry."""
        return np.cumsum(self.counts) - self.counts

    def select(self, mask: np.ndarray, names: tuple[str, ...] | None = None) -> Flat:
        """The entries where `mask` is true (order kept), with the fields `names` (default: all)."""
        names = tuple(self.fields) if names is None else names
        index = np.flatnonzero(mask)  # once, rather than one boolean mask per field
        return Flat(
            {name: self.fields[name][index] for name in names},
            np.bincount(self.event[index], minlength=len(self.counts)),
        )

    def events(self, mask: np.ndarray) -> Flat:
        """The events where `mask` (one value per event) is true, with all their entries."""
        index = np.flatnonzero(mask[self.event])
        return Flat({name: values[index] for name, values in self.fields.items()}, self.counts[mask])

    def take(self, order: np.ndarray) -> Flat:
        """The entries reordered by `order`, a permutation that keeps every entry in its event."""
        return Flat({name: values[order] for name, values in self.fields.items()}, self.counts)

    def with_fields(self, **values: np.ndarray) -> Flat:
        """A copy with fields added or replaced."""
        return Flat({**self.fields, **values}, self.counts)

    def descending(self, name: str) -> Flat:
        """The entries of each event sorted by `name`, largest first (stable for equal values)."""
        return self.take(np.lexsort((-self.fields[name], self.event)))

    def per_event_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` (one per entry) over each event's entries, in entry order."""
        return np.bincount(self.event, weights=values, minlength=len(self.counts))

    def jagged(self, values: np.ndarray) -> ak.Array:
        """`values` (one per entry) as an awkward array of lists, one list per event."""
        return ak.unflatten(values, self.counts)

    def to_awkward(self, names: tuple[str, ...] | None = None) -> ak.Array:
        """The fields `names` (default: all, in order) as a jagged record array."""
        names = tuple(self.fields) if names is None else names
        return ak.unflatten(ak.zip({n: self.fields[n] for n in names}, depth_limit=1), self.counts)


def concatenate(parts: list[Flat]) -> Flat:
    """Per event, the entries of every part one after the other (the parts share their fields)."""
    names = parts[0].fields.keys()
    event = np.concatenate([p.event for p in parts])
    order = np.argsort(event, kind="stable")
    fields = {name: np.concatenate([p.fields[name] for p in parts])[order] for name in names}
    return Flat(fields, sum((p.counts for p in parts), start=np.zeros_like(parts[0].counts)))
