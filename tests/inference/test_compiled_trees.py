"""Tree ensembles compiled as code (inference.tree_codegen) and scored in the event loop: equal to XGBoost's
and LightGBM's `predict` (NaN features, inputs exactly at the thresholds, several folds), bit for bit equal
to the node-array evaluator, the fallback when g++ fails, and the compile cache reused."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from higgshunt import native
from higgshunt.artifacts import trained_model
from higgshunt.eventloop.compiled import cache
from higgshunt.inference import define_score, export_model, rdf
from higgshunt.inference.tree_codegen import FORMS, compile_trees
from higgshunt.inference.trees import convert_xgboost
from inference_models import FEATURES, events, train_bdt

TOLERANCE = 1e-5
N_FOLDS = 3


@pytest.fixture
def compiled(monkeypatch, tmp_path_factory) -> Path:
    """Compiled code on, with a compile cache shared by the tests of this session; no ensemble loaded yet."""
    folder = tmp_path_factory.getbasetemp() / "compile-cache"
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "1")
    monkeypatch.setenv("HIGGSHUNT_COMPILE_CACHE", str(folder))
    monkeypatch.setattr(rdf, "_compiled", {})
    return folder


@pytest.fixture(scope="module")
def xgb_folds(tmp_path_factory) -> tuple[Path, list]:
    boosters = [train_bdt(60, seed=20 + f) for f in range(N_FOLDS)]
    directory = tmp_path_factory.mktemp("trees") / "bdt"
    trained_model.save(
        directory, kind="bdt", backend="xgboost", features=FEATURES, models=boosters, derived={},
        provenance={"test": True}, settings={},
    )  # fmt: skip
    return directory, boosters


def threshold_rows(document: dict, n_trees: int, seed: int) -> np.ndarray:
    """Rows with one feature exactly at, or one float32 step either side of, a split threshold of the first
    `n_trees` trees of each fold."""
    rng = np.random.default_rng(seed)
    rows = []
    for fold in document["folds"]:
        for tree in fold["trees"][:n_trees]:
            for feature, left, value in zip(tree["feature"], tree["left"], tree["value"], strict=True):
                if left < 0:
                    continue
                t = np.float32(value)
                for v in (t, np.nextafter(t, np.float32(-np.inf)), np.nextafter(t, np.float32(np.inf))):
                    row = events(1, seed=int(rng.integers(1 << 30)))[0]
                    row[feature] = v
                    rows.append(row)
    return np.asarray(rows, dtype=np.float32)


def inputs(path: Path, seed: int) -> np.ndarray:
    x = events(1500, seed=seed)
    x[np.random.default_rng(seed).random(x.shape) < 0.15] = np.nan
    return np.concatenate([x, threshold_rows(json.loads(path.read_text()), 10, seed)])


def in_loop(directory: Path, x: np.ndarray, event_number: np.ndarray) -> np.ndarray:
    import ROOT

    columns = {name: x[:, i].copy() for i, name in enumerate(FEATURES)} | {"eventNumber": event_number}
    return define_score(ROOT.RDF.FromNumpy(columns), directory).AsNumpy(["score"])["score"]


def test_xgboost_folds_in_the_loop(compiled, xgb_folds, caplog) -> None:
    import xgboost as xgb

    directory, boosters = xgb_folds
    x = inputs(export_model(directory), seed=4)
    event_number = np.random.default_rng(6).integers(-(10**6), 10**6, len(x)).astype(np.int64)
    per_fold = np.stack([b.predict(xgb.DMatrix(x, missing=np.nan)) for b in boosters])
    expected = per_fold[event_number % N_FOLDS, np.arange(len(x))]  # Python's % is the fold rule
    with caplog.at_level(logging.INFO, logger=rdf.__name__):
        got = in_loop(directory, x, event_number)
    assert "trees compiled as code" in caplog.text
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("form", FORMS)
def test_both_code_forms_equal_the_node_evaluator_bit_for_bit(compiled, xgb_folds, form: str) -> None:
    """Same float32 arithmetic in the same order: identical scores, not just close ones."""
    path = export_model(xgb_folds[0])
    trees = compile_trees(json.loads(path.read_text())["folds"], form)
    model = native.core().Model(str(path))
    x = inputs(path, seed=9)
    for fold in range(N_FOLDS):
        np.testing.assert_array_equal(trees.evaluate_fold(fold, x), model.evaluate_fold(fold, x))


def test_identity_link_gives_the_margin(compiled, tmp_path) -> None:
    """A regression objective (identity link; no manifest promises a value, so the fold is converted here)."""
    import xgboost as xgb

    booster = train_bdt(30, seed=5, objective="reg:squarederror", max_depth=2)
    booster.save_model(str(tmp_path / "fold0.json"))
    fold, link = convert_xgboost(tmp_path / "fold0.json", tuple(FEATURES))
    assert link == "identity"
    x = events(500, seed=2)
    x[np.random.default_rng(2).random(x.shape) < 0.15] = np.nan
    got = compile_trees([fold]).evaluate_fold(0, x)
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x, missing=np.nan)), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("missing", [True, False], ids=["nan-missing", "no-missing-seen"])
def test_lightgbm_folds_in_the_loop(compiled, tmp_path, missing: bool) -> None:
    """LightGBM's `x <= t` (float64) and its missing types NaN (default direction) and None (NaN as 0)."""
    import lightgbm as lgb

    rng = np.random.default_rng(3)
    train = events(3000, seed=3)
    label = (train[:, 0] > 50).astype(int) ^ (rng.random(len(train)) < 0.2)
    if missing:
        train[rng.random(train.shape) < 0.1] = np.nan
    params = {"objective": "binary", "num_leaves": 15, "verbosity": -1, "num_threads": 1}
    boosters = [
        lgb.train({**params, "seed": f}, lgb.Dataset(train, label), num_boost_round=30) for f in range(2)
    ]
    directory = tmp_path / "lgbm"
    trained_model.save(
        directory, kind="bdt", backend="lightgbm", features=FEATURES,
        models=[b.model_to_string() for b in boosters], derived={}, provenance={"test": True}, settings={},
    )  # fmt: skip
    x = inputs(export_model(directory), seed=8)
    event_number = np.arange(len(x), dtype=np.int64)
    per_fold = np.stack([b.predict(x.astype(np.float64)) for b in boosters])
    expected = per_fold[event_number % 2, np.arange(len(x))]
    np.testing.assert_allclose(in_loop(directory, x, event_number), expected, rtol=0, atol=TOLERANCE)


def test_node_evaluator_when_compilation_fails(compiled, xgb_folds, monkeypatch, tmp_path, caplog) -> None:
    import xgboost as xgb

    monkeypatch.setenv("HIGGSHUNT_COMPILE_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("CXX", "false")  # a "compiler" that always fails
    directory, boosters = xgb_folds
    x = events(300, seed=1)
    with caplog.at_level(logging.WARNING, logger=rdf.__name__):
        got = in_loop(directory, x, np.zeros(len(x), dtype=np.int64))
    lines = [r.getMessage() for r in caplog.records if "not compiled" in r.getMessage()]
    assert len(lines) == 1 and "node-array evaluator" in lines[0]
    np.testing.assert_allclose(got, boosters[0].predict(xgb.DMatrix(x)), rtol=0, atol=TOLERANCE)


def test_switched_off_and_cache_reused(compiled, xgb_folds, monkeypatch) -> None:
    directory = xgb_folds[0]
    x = events(100, seed=2)
    event_number = np.arange(len(x), dtype=np.int64)
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "0")
    off = in_loop(directory, x, event_number)
    assert rdf._compiled == {}
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "1")
    first = in_loop(directory, x, event_number)  # compiled here or by an earlier test of this session
    monkeypatch.setattr(rdf, "_compiled", {})  # as a new process: only the compile cache is left
    before = copy.copy(cache.REPORT)
    second = in_loop(directory, x, event_number)
    done = cache.REPORT.since(before)
    assert (done.misses, done.hits) == (0, 1)
    np.testing.assert_allclose(first, off, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(second, first)
