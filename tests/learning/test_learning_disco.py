"""DisCo: the weighted distance correlation against a direct numpy computation, and the penalty's effect."""

from __future__ import annotations

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.learning import data, disco, metrics, settings
from learning_tables import blobs


def reference_dcor2(x: np.ndarray, y: np.ndarray) -> float:
    """Textbook squared distance correlation (Szekely, Rizzo, Bakirov 2007), double-centred loops."""
    n = len(x)

    def centred(v: np.ndarray) -> np.ndarray:
        d = np.array([[abs(v[i] - v[j]) for j in range(n)] for i in range(n)])
        return d - d.mean(axis=0)[None, :] - d.mean(axis=1)[:, None] + d.mean()

    a, b = centred(x), centred(y)
    return float((a * b).mean() / np.sqrt((a * a).mean() * (b * b).mean()))


def dcor2(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(disco.distance_correlation(x.astype(np.float32), y.astype(np.float32), w.astype(np.float32)))


def test_matches_textbook_formula() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=12)
    y = x**2 + 0.3 * rng.normal(size=12)  # dependent but almost uncorrelated linearly
    assert dcor2(x, y, np.ones(12)) == pytest.approx(reference_dcor2(x, y), rel=1e-4)


def test_weights_count_as_copies_and_zero_weights_drop_events() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=8), rng.normal(size=8)
    w = np.array([1, 2, 3, 1, 1, 2, 0, 0], dtype=float)
    copies = np.repeat(np.arange(8), w.astype(int))
    assert dcor2(x, y, w) == pytest.approx(reference_dcor2(x[copies], y[copies]), rel=1e-4)


def test_known_values_and_edge_cases() -> None:
    x = np.linspace(-1.0, 1.0, 9)
    assert dcor2(x, 3.0 * x + 1.0, np.ones(9)) == pytest.approx(1.0, rel=1e-5)  # affine: fully dependent
    assert dcor2(x, np.full(9, 2.0), np.ones(9)) == 0.0  # constant mass: 0, not NaN
    assert dcor2(x, x, np.zeros(9)) == 0.0  # no background in a batch
    # symmetric in x and y, invariant under a common weight scale
    rng = np.random.default_rng(5)
    a, b, w = rng.normal(size=10), rng.normal(size=10), rng.random(10)
    assert dcor2(a, b, w) == pytest.approx(dcor2(b, a, w), rel=1e-5)
    assert dcor2(a, b, w) == pytest.approx(dcor2(a, b, 7.0 * w), rel=1e-5)


def test_needs_mass(blob_frame) -> None:  # type: ignore[no-untyped-def]
    ds = data.prepare(blob_frame, features=["x1"], label="label")
    with pytest.raises(InputError, match="disco model needs a mass column"):
        disco.fit_disco(ds, ds, settings.fit_settings(settings.merged({})))


@pytest.mark.slow
def test_penalty_reduces_jsd50() -> None:
    frame = blobs(3000, seed=2)
    ds = data.prepare(frame, features=["x1", "x2", "x3"], label="label", mass="mass")
    train, val = ds.subset(np.arange(len(ds)) % 3 != 0), ds.subset(np.arange(len(ds)) % 3 == 0)
    base = settings.fit_settings(
        settings.merged(
            {
                "training": {
                    "seed": 1,
                    "epochs": 15,
                    "batch_size": 512,
                    "patience": 15,
                    "learning_rate": 0.01,
                },
                "network": {"width": 16, "depth": 2},
            }
        )
    )
    jsd = []
    for alpha in (0.0, 50.0):
        model = disco.fit_disco(train, val, {**base, "disco": {"alpha": alpha}})
        score = model.predict(val.x)
        jsd.append(metrics.r50_jsd50(score, val.y, val.weight, val.mass)[1])
    assert jsd[1] < 0.5 * jsd[0]
