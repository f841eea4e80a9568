"""The AUC comparison with a competitor: quadrature decision and the paired per-fold spread, hand-computed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from higgshunt.learning.evaluate import _comparison


def _summary(folds: list[float], auc: float | None = None) -> dict[str, object]:
    return {
        "auc": float(np.mean(folds)) if auc is None else auc,
        "auc_folds": folds,
        "auc_std": float(np.std(folds, ddof=1)),
    }


def test_quadrature_and_paired_numbers_by_hand() -> None:
    mine = _summary([0.99, 0.98, 0.97])  # mean 0.98, std 0.01
    theirs = _summary([0.96, 0.96, 0.93])  # mean 0.95, std sqrt(3e-4)
    out = _comparison(mine, theirs)
    sigma = math.sqrt(0.01**2 + 3e-4)  # = 0.02
    assert out["delta_auc"] == pytest.approx(0.03)
    assert out["sigma"] == pytest.approx(sigma)
    assert out["delta_auc_sigma"] == pytest.approx(0.03 / sigma)  # 1.5
    assert out["beats_by_2_sigma"] is False
    # differences 0.03, 0.02, 0.04: mean 0.03, std 0.01 -> 3 sigma when paired
    paired = out["paired"]
    assert paired["delta_auc_folds"] == pytest.approx([0.03, 0.02, 0.04])
    assert paired["mean"] == pytest.approx(0.03)
    assert paired["std"] == pytest.approx(0.01)
    assert paired["delta_auc_sigma"] == pytest.approx(3.0)


def test_fold_aucs_moving_together_give_a_small_paired_spread() -> None:
    # The same fold-to-fold sample fluctuation in both models: large independent spreads, constant difference.
    common = [0.95, 0.97, 0.99]
    mine = _summary([a + 0.01 for a in common])
    theirs = _summary(common)
    out = _comparison(mine, theirs)
    assert out["delta_auc_sigma"] == pytest.approx(0.01 / math.hypot(0.02, 0.02))
    assert out["paired"]["std"] == pytest.approx(0.0, abs=1e-12)
    assert out["paired"]["delta_auc_sigma"] == math.inf
    assert out["beats_by_2_sigma"] is False  # the decision stays on the conservative quadrature


def test_clear_win_passes_and_a_loss_never_does() -> None:
    mine = _summary([0.995, 0.996, 0.997])
    theirs = _summary([0.978, 0.972, 0.984])
    assert _comparison(mine, theirs)["beats_by_2_sigma"] is True
    assert _comparison(theirs, mine)["beats_by_2_sigma"] is False
    assert _comparison(theirs, mine)["paired"]["delta_auc_sigma"] < 0


def test_without_spread_or_matching_folds() -> None:
    out = _comparison({"auc": 0.9}, {"auc": 0.8})  # one fold: no spread, no per-fold AUCs
    assert out["sigma"] == 0.0
    assert out["delta_auc_sigma"] == math.inf and out["beats_by_2_sigma"] is True
    assert "paired" not in out
    tie = _comparison({"auc": 0.8}, {"auc": 0.8})
    assert tie["delta_auc_sigma"] == 0.0 and tie["beats_by_2_sigma"] is False
    mismatched = _comparison(_summary([0.9, 0.91, 0.92]), _summary([0.8, 0.81]))
    assert "paired" not in mismatched
