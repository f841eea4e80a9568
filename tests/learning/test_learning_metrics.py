"""Figures of merit against hand-computed values and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from higgshunt.learning import metrics
from higgshunt.stats import asimov_significance
from scipy.stats import mannwhitneyu
from sklearn.metrics import roc_auc_score


def test_ams_hand_value() -> None:
    # s=10, b=90, b_reg=10: same numbers as the Asimov case with b=100
    assert float(metrics.ams(10.0, 90.0)) == pytest.approx(0.98399, abs=1e-5)
    assert float(metrics.ams(0.0, 0.0)) == 0.0


def test_auc_matches_mann_whitney(blob_frame) -> None:  # type: ignore[no-untyped-def]
    y = blob_frame["label"].to_numpy()
    s = blob_frame["x1"].to_numpy() - blob_frame["x2"].to_numpy()
    out = metrics.classifier_metrics(
        metrics.ScoreSet(s, y, np.ones(len(y)), False, blob_frame["fold"].to_numpy())
    )
    u = mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert out["auc"] == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    assert len(out["auc_folds"]) == 3 and out["auc_std"] > 0
    assert "significance_asimov_best" not in out  # no luminosity weights, no significance


def test_working_point_is_smallest_background_at_target() -> None:
    rng = np.random.default_rng(3)
    y = np.repeat([1, 0], 500)
    s = np.concatenate([rng.normal(1, 1, 500), rng.normal(0, 1, 500)])
    eff_b, cut = metrics.bkg_eff_at_sig_eff(s, y, None, 0.95)
    assert (s[y == 1] >= cut).mean() >= 0.95
    assert (s[y == 0] >= cut).mean() == pytest.approx(eff_b)
    # brute force over all cuts: no cut with >= 95% signal keeps less background
    best = min((s[y == 0] >= c).mean() for c in s if (s[y == 1] >= c).mean() >= 0.95)
    assert eff_b == pytest.approx(best)


def test_zero_weight_events_do_not_count() -> None:
    y = np.array([1, 1, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.95, 0.1, 0.2])
    w = np.array([1.0, 1.0, 0.0, 1.0, 1.0])  # the high-scoring background has zero weight
    eff_b, _ = metrics.bkg_eff_at_sig_eff(s, y, w, 0.9)
    assert eff_b == 0.0


def test_r50_and_jsd50_properties() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    y = (rng.random(n) < 0.5).astype(int)
    mass = rng.uniform(100, 200, n)
    independent = rng.normal(y, 1.0)  # score unrelated to mass
    sculpting = mass * (y == 0) / 200 + y * rng.uniform(0.5, 1.0, n)  # background score rises with mass
    r50, jsd_flat = metrics.r50_jsd50(independent, y, np.ones(n), mass)
    _, jsd_sculpt = metrics.r50_jsd50(sculpting, y, np.ones(n), mass)
    eff_b, _ = metrics.bkg_eff_at_sig_eff(independent, y, None, 0.5)
    assert r50 == pytest.approx(1.0 / eff_b)
    assert jsd_flat < 0.02 < 0.2 < jsd_sculpt


def test_cut_scan_yields() -> None:
    s = np.array([0.1, 0.4, 0.6, 0.9])
    y = np.array([0, 1, 0, 1])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    scan = metrics.cut_scan(s, y, w, n_cuts=1000)
    for cut, sig, bkg in zip(scan["cut"], scan["s"], scan["b"], strict=True):
        assert sig == pytest.approx(w[(s >= cut) & (y == 1)].sum())
        assert bkg == pytest.approx(w[(s >= cut) & (y == 0)].sum())


def test_weighted_metrics_present(blob_frame) -> None:  # type: ignore[no-untyped-def]
    y = blob_frame["label"].to_numpy()
    w = blob_frame["weight"].to_numpy()
    s = blob_frame["x1"].to_numpy()
    out = metrics.classifier_metrics(
        metrics.ScoreSet(s, y, w, True, blob_frame["fold"].to_numpy(), blob_frame["mass"].to_numpy())
    )
    assert set(out["bkg_eff_at_sig_eff"]) == {"0.5", "0.9", "0.95"}
    cuts = metrics.cut_scan(s, y, w)["cut"]
    z_all = [asimov_significance(w[(s >= c) & (y == 1)].sum(), w[(s >= c) & (y == 0)].sum()) for c in cuts]
    assert out["significance_asimov_best_same_events"] == pytest.approx(float(np.nanmax(z_all)))
    # the held-out value: each half's cut applied to the other half, weights doubled, averaged
    half = np.random.default_rng(metrics.CUT_SPLIT_SEED).random(len(y)) < 0.5
    z_other = []
    for other, cut in zip((~half, half), out["significance_asimov_cuts_halves"], strict=True):
        keep = other & (s >= cut)
        z_other.append(float(asimov_significance(2 * w[keep & (y == 1)].sum(), 2 * w[keep & (y == 0)].sum())))
    assert out["significance_asimov_best"] == pytest.approx(np.mean(z_other))
    assert out["best_cut_choice"].startswith("cut chosen on one random half")
    assert out["ams_best"] > 0 and out["r50"] > 1 and 0 <= out["jsd50"] <= 1


def test_best_significance_skips_cuts_that_leave_no_background() -> None:
    # cuts above 0.2 keep signal only: an undefined Asimov Z (NaN), never the best working point
    y = np.array([0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    out = metrics.classifier_metrics(metrics.ScoreSet(s, y, np.ones(5), True, np.zeros(5, dtype=int)))
    assert out["significance_asimov_best_same_events"] == pytest.approx(float(asimov_significance(3.0, 1.0)))


def test_ks_overtraining() -> None:
    rng = np.random.default_rng(1)
    assert metrics.ks_overtraining(rng.normal(size=500), rng.normal(size=500)) > 0.01
    assert metrics.ks_overtraining(rng.normal(size=500), rng.normal(1, 1, size=500)) < 1e-6
    assert math.isnan(metrics.ks_overtraining(np.array([]), rng.normal(size=5)))


def test_held_out_best_cut_is_unbiased_and_same_events_maximum_is_not() -> None:
    # Gaussian scores with known yields: the true Z of any cut is known in closed form. Over repeated samples
    # the held-out best Z averages to the true Z of the cuts it chose; the maximum over cuts on the same
    # events exceeds even the best true Z any cut can reach.
    from scipy.stats import norm

    n_sig, n_bkg, w_sig, w_bkg = 300, 3000, 0.05, 0.05

    def true_z(cut: float) -> float:
        s_true, b_true = n_sig * w_sig * norm.sf(cut - 1.0), n_bkg * w_bkg * norm.sf(cut)
        return float(asimov_significance(s_true, b_true))

    best_true = max(true_z(c) for c in np.linspace(-2, 4, 601))
    rng = np.random.default_rng(3)
    held_out, truth, same = [], [], []
    for _ in range(150):
        s = np.concatenate([rng.normal(1.0, 1.0, n_sig), rng.normal(0.0, 1.0, n_bkg)])
        y = np.concatenate([np.ones(n_sig, int), np.zeros(n_bkg, int)])
        w = np.where(y == 1, w_sig, w_bkg)
        out = metrics.best_cut_metrics(s, y, w, seed=int(rng.integers(1 << 30)))
        held_out.append(out["significance_asimov_best"])
        truth.append(np.mean([true_z(c) for c in out["significance_asimov_cuts_halves"]]))
        same.append(out["significance_asimov_best_same_events"])
    bias = np.asarray(held_out) - np.asarray(truth)
    assert abs(bias.mean()) < 3 * bias.std(ddof=1) / np.sqrt(len(bias))
    same_bias = np.asarray(same) - best_true
    assert same_bias.mean() > 5 * same_bias.std(ddof=1) / np.sqrt(len(same_bias))


def test_bootstrap_auc_error_matches_hanley_mcneil() -> None:
    # Hanley & McNeil (1982) standard error of the AUC, an independent closed form
    rng = np.random.default_rng(5)
    n1, n2 = 400, 600
    s = np.concatenate([rng.normal(1.0, 1.0, n1), rng.normal(0.0, 1.0, n2)])
    y = np.concatenate([np.ones(n1, int), np.zeros(n2, int)])
    out = metrics.bootstrap_errors(s, y, None)
    a = roc_auc_score(y, s)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    hanley = np.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a)) / (n1 * n2))
    assert out["auc_bootstrap_std"] == pytest.approx(hanley, rel=0.2)
    assert out == metrics.bootstrap_errors(s, y, None)  # seeded
    assert 0 < out["bkg_eff_at_sig_eff_bootstrap_std"]["0.95"] < 0.1


def test_held_out_working_point_keeps_its_signal_efficiency() -> None:
    rng = np.random.default_rng(6)
    s = np.concatenate([rng.normal(1.0, 1.0, 4000), rng.normal(0.0, 1.0, 4000)])
    y = np.concatenate([np.ones(4000, int), np.zeros(4000, int)])
    out = metrics.held_out_working_points(s, y, np.ones(len(y)))
    assert out["sig_eff_held_out"]["0.95"] == pytest.approx(0.95, abs=0.01)
    from scipy.stats import norm

    # the true background efficiency of the 95% signal cut: P(N(0,1) > 1 - 1.645)
    assert out["bkg_eff_held_out"]["0.95"] == pytest.approx(norm.sf(1.0 - norm.isf(0.05)), abs=0.02)
