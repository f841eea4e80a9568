"""The lab-course competitor: recovered from its TF < 2.16 SavedModel, proven equal to the original
arithmetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.learning import competitor
from learning_tables import COMPETITOR, LEPTON_FEATURES, open_data_leptons

pytestmark = pytest.mark.skipif(not COMPETITOR.exists(), reason="../shared competitor models not present")
FOLD0 = COMPETITOR / "model_crossval0"


def _numpy_forward(savedmodel: Path, x: np.ndarray) -> np.ndarray:
    """Hand forward pass from the raw checkpoint tensors: normalise, relu, relu, sigmoid (float64)."""
    t = competitor.checkpoint_tensors(savedmodel)
    h = (x - t["layer_with_weights-0/mean"]) / np.maximum(np.sqrt(t["layer_with_weights-0/variance"]), 1e-7)
    for layer in (1, 2):
        h = np.maximum(
            h @ t[f"layer_with_weights-{layer}/kernel"] + t[f"layer_with_weights-{layer}/bias"], 0.0
        )
    z = h @ t["layer_with_weights-3/kernel"] + t["layer_with_weights-3/bias"]
    return 1.0 / (1.0 + np.exp(-z[:, 0]))


@pytest.fixture(scope="module")
def recovered() -> object:
    return competitor.recover_savedmodel(FOLD0)


def test_architecture_from_metadata(recovered) -> None:  # type: ignore[no-untyped-def]
    config = competitor.keras2_config(FOLD0)
    kinds = [layer["class_name"] for layer in config["config"]["layers"]]
    assert kinds == ["InputLayer", "Normalization", "Dense", "Dense", "Dense"]
    units = [layer["config"].get("units") for layer in config["config"]["layers"]]
    assert units == [None, None, 60, 60, 1]
    dense = [layer for layer in recovered.layers if layer.__class__.__name__ == "Dense"]
    assert [d.units for d in dense] == [60, 60, 1]
    assert [d.activation.__name__ for d in dense] == ["relu", "relu", "sigmoid"]
    assert recovered.input_shape[-1] == 24


def test_recovered_equals_original_graph_on_real_events(recovered) -> None:  # type: ignore[no-untyped-def]
    """Proof: the original serving graph (saved_model.pb, v1 loader) and the rebuild agree on real 4-lepton
    events."""
    x = open_data_leptons()[LEPTON_FEATURES].to_numpy(np.float32)
    assert len(x) > 20
    original = competitor.run_original_graph(FOLD0, x)
    rebuilt = recovered.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(rebuilt, original, atol=1e-6)
    assert original.std() > 1e-3  # not saturated: the comparison tests real arithmetic


def test_recovered_equals_hand_forward_pass(recovered) -> None:  # type: ignore[no-untyped-def]
    x = competitor.probe_inputs(recovered, n=500, seed=3)
    manual = _numpy_forward(FOLD0, x.astype(np.float64))
    np.testing.assert_allclose(recovered.predict(x, verbose=0)[:, 0], manual, atol=1e-5)
    assert 0.05 < np.mean(manual > 0.5) < 0.95


def test_load_folder_verifies_each_fold() -> None:
    comp = competitor.load(COMPETITOR)
    assert len(comp.models) == 3 and comp.n_inputs == 24
    assert comp.max_deviation is not None and comp.max_deviation < competitor.VERIFY_TOLERANCE
    x = open_data_leptons()[LEPTON_FEATURES].to_numpy()
    fold = np.arange(len(x)) % 3
    scores = comp.score(x, fold, 3)
    first = comp.models[0].predict(x[fold == 0].astype(np.float32), verbose=0)[:, 0]
    np.testing.assert_allclose(scores[fold == 0], first, atol=1e-7)  # fold i network scores fold i events


def test_input_size_mismatch() -> None:
    comp = competitor.load(FOLD0, verify=False)
    with pytest.raises(InputError, match="competitor takes 24 inputs, got 3 features"):
        comp.score(np.zeros((2, 3)), np.zeros(2, dtype=int), 1)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_file_competitor(tmp_path: Path, recovered, suffix: str) -> None:  # type: ignore[no-untyped-def]
    recovered.save(tmp_path / f"c{suffix}")
    comp = competitor.load(tmp_path / f"c{suffix}")
    x = competitor.probe_inputs(recovered, n=20)
    expected = recovered.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(comp.score(x, np.zeros(20, dtype=int), 1), expected, rtol=1e-6)


def test_missing_competitor(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="competitor not found"):
        competitor.load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no SavedModel, .keras or .h5 competitor inside"):
        competitor.load(tmp_path / "empty")
