"""Flat collections (numpy columns + counts) against the same operations in awkward."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
from higgshunt.generation.flat import Flat, concatenate
from higgshunt.generation.isolation import pairs
from higgshunt.generation.pythia_events import _filled


def jagged(rng: np.random.Generator, counts: list[int]) -> ak.Array:
    n = sum(counts)
    return ak.unflatten(
        ak.zip(
            {"pt": rng.exponential(20.0, n), "eta": rng.uniform(-2.5, 2.5, n), "phi": rng.uniform(-3, 3, n)}
        ),
        np.array(counts, dtype=np.int64),
    )


COUNTS = [[3, 0, 1, 5, 2], [0, 0, 0], [], [1]]


@pytest.mark.parametrize("counts", COUNTS)
def test_roundtrip_select_and_events_match_awkward(counts: list[int]) -> None:
    records = jagged(np.random.default_rng(1), counts)
    flat = Flat.from_awkward(records)
    assert flat.to_awkward().tolist() == records.tolist()
    mask = flat["pt"] > 15.0
    assert flat.select(mask).to_awkward().tolist() == records[records.pt > 15.0].tolist()
    assert flat.select(mask, ("eta",)).fields.keys() == {"eta"}
    keep = np.arange(len(counts)) % 2 == 0
    assert flat.events(keep).to_awkward().tolist() == records[keep].tolist()


@pytest.mark.parametrize("counts", COUNTS)
def test_sort_sum_and_concatenate_match_awkward(counts: list[int]) -> None:
    rng = np.random.default_rng(2)
    first, second = jagged(rng, counts), jagged(rng, counts)
    flat_first, flat_second = Flat.from_awkward(first), Flat.from_awkward(second)
    ordered = first[ak.argsort(first.pt, ascending=False)]
    assert flat_first.descending("pt").to_awkward().tolist() == ordered.tolist()
    np.testing.assert_array_equal(
        flat_first.per_event_sum(flat_first["pt"]), ak.to_numpy(ak.sum(first.pt, axis=1))
    )
    joined = ak.concatenate([first, second], axis=1)
    assert concatenate([flat_first, flat_second]).to_awkward().tolist() == joined.tolist()


def test_descending_keeps_order_of_equal_values() -> None:
    flat = Flat({"pt": np.array([1.0, 2.0, 1.0, 5.0, 5.0]), "k": np.arange(5)}, np.array([3, 2]))
    assert flat.descending("pt")["k"].tolist() == [1, 0, 2, 3, 4]


def test_pairs_enumerate_every_pair_within_each_event() -> None:
    rng = np.random.default_rng(3)
    counts_a, counts_b = [2, 0, 3, 1], [1, 4, 2, 0]
    a, b = Flat.from_awkward(jagged(rng, counts_a)), Flat.from_awkward(jagged(rng, counts_b))
    p = pairs(a, b)
    expected = [
        (i, j)
        for event in range(4)
        for i in range(a.starts[event], a.starts[event] + counts_a[event])
        for j in range(b.starts[event], b.starts[event] + counts_b[event])
    ]
    assert list(zip(p.first.tolist(), p.second.tolist(), strict=True)) == expected
    dphi = (a["phi"][p.first] - b["phi"][p.second] + np.pi) % (2 * np.pi) - np.pi
    np.testing.assert_allclose(p.dr, np.hypot(a["eta"][p.first] - b["eta"][p.second], dphi))
    assert p.any(p.dr < 0.0).tolist() == [False] * a.size


def test_vertex_fill_handles_indexed_and_masked_options() -> None:
    values = np.array([1.0, 2.0, 3.0])
    indexed = ak.Array(
        ak.contents.IndexedOptionArray(
            ak.index.Index64(np.array([0, -1, 2, -1, 1])), ak.contents.NumpyArray(values)
        )
    )
    masked = ak.Array(
        ak.contents.ByteMaskedArray(
            ak.index.Index8(np.array([1, 0, 1], dtype=np.int8)),
            ak.contents.NumpyArray(values),
            valid_when=True,
        )
    )
    which = np.array([4, 3, 0, 1])
    assert _filled(indexed, which).tolist() == [2.0, 0.0, 1.0, 0.0]
    assert _filled(masked, np.array([2, 1])).tolist() == [3.0, 0.0]
    empty = ak.Array(
        ak.contents.IndexedOptionArray(
            ak.index.Index64(np.array([-1, -1])), ak.contents.NumpyArray(np.zeros(0))
        )
    )
    assert _filled(empty, np.array([1])).tolist() == [0.0]
