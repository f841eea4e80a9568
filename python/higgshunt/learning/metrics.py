"""Figures of merit for a classifier score: ROC, working points, Asimov significance, AMS, R50 and JSD50.

All functions take numpy arrays of scores, labels (1 signal, 0 background) and optional event weights. ROC
curves come from scikit-learn; the Asimov significance and the JSD are `higgshunt.stats`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score, roc_curve

from higgshunt.stats import asimov_significance, jensen_shannon

log = logging.getLogger(__name__)

WORKING_POINTS: tuple[str, ...] = ("0.5", "0.9", "0.95")
AMS_B_REG = 10.0  # the Higgs ML challenge's regularisation term


def ams(s: np.ndarray | float, b: np.ndarray | float, b_reg: float = AMS_B_REG) -> np.ndarray:
    """Approximate median significance of the Higgs ML challenge: sqrt(2((s+b+b_reg) ln(1+s/(b+b_reg)) -
    s))."""
    s_arr = np.asarray(s, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64) + b_reg
    value = 2.0 * ((s_arr + b_arr) * np.log1p(s_arr / b_arr) - s_arr)
    return np.sqrt(np.clip(value, 0.0, None))


def cut_scan(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray, n_cuts: int = 200
) -> dict[str, np.ndarray]:
    """Weighted signal and background yields passing `score >= cut` for cuts at score quantiles."""
    cuts = np.unique(np.quantile(score, np.linspace(0.0, 0.999, n_cuts)))
    order = np.argsort(score)
    sorted_score = score[order]
    sig_w = np.where(y[order] == 1, weight[order], 0.0)
    bkg_w = np.where(y[order] == 0, weight[order], 0.0)
    # suffix sums give the yields at or above each cut without a loop
    sig_above = np.concatenate([np.cumsum(sig_w[::-1])[::-1], [0.0]])
    bkg_above = np.concatenate([np.cumsum(bkg_w[::-1])[::-1], [0.0]])
    first = np.searchsorted(sorted_score, cuts, side="left")
    return {"cut": cuts, "s": sig_above[first], "b": bkg_above[first]}


def bkg_eff_at_sig_eff(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray | None, target: float
) -> tuple[float, float]:
    """Background efficiency and score cut of the working point with signal efficiency >= target.

    Among all cuts keeping at least `target` of the (weighted) signal, the one with the smallest background.
    """
    fpr, tpr, thresholds = roc_curve(y, score, sample_weight=weight)
    ok = tpr >= target - 1e-12
    index = int(np.flatnonzero(ok)[0])
    return float(fpr[index]), float(min(thresholds[index], np.max(score)))


def r50_jsd50(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray, mass: np.ndarray, bins: int = 30
) -> tuple[float, float]:
    """Background rejection 1/eps_b at 50% signal efficiency, and the JSD of background mass pass vs fail."""
    eff_b, cut = bkg_eff_at_sig_eff(score, y, weight, 0.5)
    bkg = y == 0
    edges = np.quantile(mass[bkg], np.linspace(0.0, 1.0, bins + 1))
    edges = np.unique(edges)
    passing = bkg & (score >= cut)
    h_pass, _ = np.histogram(mass[passing], bins=edges, weights=weight[passing])
    h_fail, _ = np.histogram(mass[bkg & ~passing], bins=edges, weights=weight[bkg & ~passing])
    r50 = float(1.0 / eff_b) if eff_b > 0 else float("inf")
    return r50, jensen_shannon(h_pass, h_fail)


def ks_overtraining(train_score: np.ndarray, test_score: np.ndarray) -> float:
    """p-value of the two-sample Kolmogorov-Smirnov test between training and test scores of one class."""
    if len(train_score) == 0 or len(test_score) == 0:
        return float("nan")
    return float(stats.ks_2samp(train_score, test_score).pvalue)


CUT_SPLIT_SEED = 0  # the seeded halves of the test events that choose and report the best cuts
CUT_CHOICE = (
    "cut chosen on one random half of the test events and its value measured on the other half "
    "(weights x2 for the full yield), both ways, averaged"
)


N_BOOTSTRAP = 200
BOOTSTRAP_SEED = 0


def _spread(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def bootstrap_errors(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray | None, seed: int = BOOTSTRAP_SEED
) -> dict[str, Any]:
    """Standard deviations over `N_BOOTSTRAP` seeded resamples (events drawn with replacement) of the AUC
    (weighted when `weight` is given) and of the background efficiency at each working point's signal
    efficiency. Resamples lacking a class are skipped."""
    rng = np.random.default_rng(seed)
    aucs: list[float] = []
    effs: dict[str, list[float]] = {t: [] for t in WORKING_POINTS}
    for _ in range(N_BOOTSTRAP):
        pick = rng.integers(0, len(y), len(y))
        if len(np.unique(y[pick])) < 2:
            continue
        w = None if weight is None else weight[pick]
        aucs.append(float(roc_auc_score(y[pick], score[pick], sample_weight=w)))
        for target in WORKING_POINTS:
            effs[target].append(bkg_eff_at_sig_eff(score[pick], y[pick], w, float(target))[0])
    return {
        "auc_bootstrap_std": _spread(aucs),
        "bkg_eff_at_sig_eff_bootstrap_std": {t: _spread(v) for t, v in effs.items()},
        "bootstrap": f"{N_BOOTSTRAP} resamples of the test events with replacement, seed {seed}"
        + (", weighted" if weight is not None else ""),
    }


def _best(values: np.ndarray) -> int:
    finite = np.where(np.isfinite(values), values, 0.0)  # a cut leaving no background is not usable
    return int(np.argmax(finite))


def best_cut_metrics(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray, seed: int = CUT_SPLIT_SEED
) -> dict[str, Any]:
    """Best-cut Asimov Z and AMS, with the cut chosen on other events than those it is reported on.

    The maximum over cuts of a significance measured on the same events is biased upward (it picks the
    cut where fluctuations help). Here the test events are split into two seeded random halves: the cut that
    maximises the figure of merit on one half is applied to the other, whose weights are doubled so the
    yields stand for the whole sample; the two directions are averaged. The maximum on the same events is
    kept, labelled, for comparison.
    """
    half = np.random.default_rng(seed).random(len(y)) < 0.5
    out: dict[str, Any] = {"best_cut_choice": CUT_CHOICE}
    for name, merit in (("significance_asimov", asimov_significance), ("ams", ams)):
        reported, cuts = [], []
        for choose in (half, ~half):
            scan = cut_scan(score[choose], y[choose], weight[choose])
            cut = float(scan["cut"][_best(merit(scan["s"], scan["b"]))])
            apply = ~choose & (score >= cut)
            s_yield = 2.0 * float(weight[apply & (y == 1)].sum())
            b_yield = 2.0 * float(weight[apply & (y == 0)].sum())
            value = float(merit(s_yield, b_yield))
            reported.append(value if np.isfinite(value) else 0.0)
            cuts.append(cut)
        out[f"{name}_best"] = float(np.mean(reported))
        out[f"{name}_cut"] = float(np.mean(cuts))
        out[f"{name}_cuts_halves"] = cuts
        scan = cut_scan(score, y, weight)
        values = merit(scan["s"], scan["b"])
        out[f"{name}_best_same_events"] = float(np.where(np.isfinite(values), values, 0.0).max())
    return out


def held_out_working_points(
    score: np.ndarray, y: np.ndarray, weight: np.ndarray, seed: int = CUT_SPLIT_SEED
) -> dict[str, Any]:
    """Signal and background efficiency of each working point's cut when the cut is chosen on other events.

    The cut reaching a target signal efficiency is found on one seeded half of the test events and applied
    to the other half (both ways, averaged): the efficiencies an analysis applying that fixed cut would see.
    """
    half = np.random.default_rng(seed).random(len(y)) < 0.5
    out: dict[str, Any] = {"sig_eff_held_out": {}, "bkg_eff_held_out": {}}
    for target in WORKING_POINTS:
        sig: list[float] = []
        bkg: list[float] = []
        for choose in (half, ~half):
            other = ~choose
            if len(np.unique(y[choose])) < 2 or len(np.unique(y[other])) < 2:
                continue
            cut = bkg_eff_at_sig_eff(score[choose], y[choose], weight[choose], float(target))[1]
            passing = other & (score >= cut)
            for values, label in ((sig, 1), (bkg, 0)):
                total = float(weight[other & (y == label)].sum())
                values.append(float(weight[passing & (y == label)].sum()) / total)
        out["sig_eff_held_out"][target] = float(np.mean(sig)) if sig else float("nan")
        out["bkg_eff_held_out"][target] = float(np.mean(bkg)) if bkg else float("nan")
    return out


@dataclass
class ScoreSet:
    """Scores of one model on a set of events; `fold` lets the AUC spread be measured over folds."""

    score: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    has_weights: bool
    fold: np.ndarray
    mass: np.ndarray | None = None


def classifier_metrics(scores: ScoreSet) -> dict[str, Any]:
    """The metrics.json block of one classifier (or anomaly score) on its test events."""
    s, y, w = scores.score, scores.y, scores.weight
    positive = np.clip(w, 0.0, None)  # negative MC weights make a weighted ROC non-monotonic
    out: dict[str, Any] = {"n_test": int(len(y))}
    if scores.has_weights:  # the weighted AUC is the one the analysis sees: it comes first
        out["auc_weighted"] = float(roc_auc_score(y, s, sample_weight=positive))
    out["auc"] = float(roc_auc_score(y, s))
    per_fold = [
        roc_auc_score(y[scores.fold == f], s[scores.fold == f])
        for f in np.unique(scores.fold)
        if len(np.unique(y[scores.fold == f])) == 2
    ]
    out["auc_folds"] = [float(a) for a in per_fold]
    out["auc_std"] = float(np.std(per_fold, ddof=1)) if len(per_fold) > 1 else 0.0
    out.setdefault("auc_weighted", out["auc"])
    out["bkg_eff_at_sig_eff"] = {}
    out["cut_at_sig_eff"] = {}
    for target in WORKING_POINTS:
        eff, cut = bkg_eff_at_sig_eff(s, y, positive if scores.has_weights else None, float(target))
        out["bkg_eff_at_sig_eff"][target] = eff
        out["cut_at_sig_eff"][target] = cut
    out.update(bootstrap_errors(s, y, positive if scores.has_weights else None))
    out.update(held_out_working_points(s, y, positive if scores.has_weights else np.ones(len(y))))
    if scores.has_weights:
        out.update(best_cut_metrics(s, y, w))
    if scores.mass is not None:
        r50, jsd = r50_jsd50(s, y, positive if scores.has_weights else np.ones(len(y)), scores.mass)
        out["r50"], out["jsd50"] = r50, jsd
    return out
