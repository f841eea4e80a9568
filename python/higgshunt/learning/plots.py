"""Figures of a training or evaluation, in mplhep's ATLAS style, each saved as PNG and PDF.

Every function takes plain arrays and an output stem (path without suffix) and returns the PNG path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.outputs import atomic_output
from higgshunt.plotting import draw_data_label

log = logging.getLogger(__name__)

_BINS = 40
# One line per score cut of the sculpting plot: dark, distinct hues (no pale ones on white) and line styles,
# so the cuts stay apart in greyscale too; all background first, in black.
_CUT_COLOURS = ("black", "#3f90da", "#e76300", "#832db6", "#bd1f01", "#717581")
_CUT_STYLES = ("-", "--", "-.", ":", "-", "--")


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    plt.style.use(mplhep.style.ATLAS)
    return plt.subplots(figsize=(8, 6))


def _save(fig: Any, stem: Path) -> Path:
    import matplotlib.pyplot as plt

    for suffix in (".png", ".pdf"):
        with atomic_output(stem.with_suffix(suffix)) as tmp:
            fig.savefig(tmp, format=suffix[1:], bbox_inches="tight")
    plt.close(fig)
    return stem.with_suffix(".png")


def _headroom(ax: Any, fraction: float) -> None:
    """Raise the top of a logarithmic y axis so the drawn values fill the lower `fraction` of its height."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, low * (high / low) ** (1.0 / fraction))


def _log_if_wide(ax: Any, axis: str, values: Any) -> None:
    """A logarithmic `axis` ("x" or "y") when the positive `values` span more than three decades (an anomaly
    score, a diverging validation loss): on a linear axis all but the largest would sit on zero."""
    values = np.asarray(values, dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    if len(positive) == len(values) and len(values) and positive.max() > 1e3 * np.median(positive):
        getattr(ax, f"set_{axis}scale")("log")


def _label(ax: Any, text: str) -> None:
    draw_data_label(ax, "simulation")
    ax.text(0.05, 0.88, text, transform=ax.transAxes, fontsize=14, va="top")


def roc(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], stem: Path) -> Path:
    """ROC curves as background rejection 1/eps_b against signal efficiency; curves = name -> (fpr, tpr,
    auc)."""
    fig, ax = _figure()
    for name, (fpr, tpr, auc) in curves.items():
        keep = fpr > 0
        ax.plot(tpr[keep], 1.0 / fpr[keep], label=f"{name} (AUC {auc:.4f})")
    ax.set_yscale("log")
    _headroom(ax, 0.75)  # the highest rejection (at low efficiency) stays below the label
    ax.set_xlabel("Signal efficiency")
    ax.set_ylabel("Background rejection 1/$\\varepsilon_b$")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper right")
    _label(ax, "ROC, test events")
    return _save(fig, stem)


def score_distributions(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    ks_pvalues: dict[str, float],
    stem: Path,
    xlabel: str = "Classifier score",
) -> Path:
    """Signal and background scores, training (points) and test (filled), with the KS p-values in the
    legend. The axis spans the central 99.8% of all scores, the rest counted in the first and last bins: an
    unbounded score (an anomaly score) would otherwise put everything in one bin beside a few outliers."""
    fig, ax = _figure()
    everything = np.concatenate([train[0], test[0]])
    low, high = (float(v) for v in np.quantile(everything, [0.001, 0.999]))
    # positive scores over more than three decades (reconstruction errors): logarithmic bins and axis,
    # each bin's fraction of the entries (a density per unit score would fall with the bin width)
    logarithmic = low > 0 and high > 1e3 * low
    if logarithmic:
        edges = np.geomspace(low, high, _BINS + 1)
        centres = np.sqrt(edges[1:] * edges[:-1])
        ax.set_xscale("log")
    else:
        edges = np.linspace(low, high if high > low else low + 1, _BINS + 1)
        centres = 0.5 * (edges[1:] + edges[:-1])
    for cls, name, colour in ((1, "signal", "tab:blue"), (0, "background", "tab:red")):
        tested = test[0][test[1] == cls]
        ax.hist(
            np.clip(tested, edges[0], edges[-1]),
            bins=edges,
            density=not logarithmic,
            weights=np.full(len(tested), 1.0 / max(len(tested), 1)) if logarithmic else None,
            alpha=0.35,
            color=colour,
            label=f"{name} test",
        )
        trained = train[0][train[1] == cls]
        counts, _ = np.histogram(np.clip(trained, edges[0], edges[-1]), bins=edges, density=not logarithmic)
        if logarithmic:
            counts = counts / max(len(trained), 1)
        ax.plot(
            centres,
            counts,
            "o",
            color=colour,
            markersize=4,
            label=f"{name} train (KS p = {ks_pvalues.get(name, float('nan')):.3f})",
        )
    ax.set_yscale("log")
    _headroom(ax, 0.55)  # the label (left) and the legend (right) above the distributions
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Normalised entries")
    ax.legend(loc="upper right", fontsize=11)
    _label(ax, "Overtraining check")
    return _save(fig, stem)


def loss_curves(
    histories: Sequence[dict[str, list[float]]],
    stem: Path,
    key: str = "loss",
    title: str = "Loss curves",
    xlabel: str = "Epoch",
) -> Path:
    """Training and validation values of history `key` (and `val_<key>`) per epoch, two lines per fold."""
    fig, ax = _figure()
    for fold, history in enumerate(histories):
        for name, style in ((key, "-"), (f"val_{key}", "--")):
            if name in history:
                ax.plot(
                    np.arange(1, len(history[name]) + 1),
                    history[name],
                    style,
                    color=f"C{fold}",
                    label=f"fold {fold} {'validation' if name.startswith('val') else 'training'}",
                )
    drawn = [v for history in histories for name in (key, f"val_{key}") for v in history.get(name, [])]
    _log_if_wide(ax, "y", drawn)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Loss")
    ax.legend(fontsize=11)
    _label(ax, title)
    return _save(fig, stem)


def significance_scan(
    cut: np.ndarray, z: np.ndarray, stem: Path, competitor: tuple[np.ndarray, np.ndarray] | None = None
) -> Path:
    """Asimov significance against the score cut."""
    fig, ax = _figure()
    ax.plot(cut, z, label="model")
    if competitor is not None:
        ax.plot(*competitor, "--", label="competitor")
    ax.set_xlabel("Score cut")
    _log_if_wide(ax, "x", cut)
    ax.set_ylabel("Asimov significance Z")
    ax.legend()
    _label(ax, "Significance vs cut")
    return _save(fig, stem)


def mass_sculpting(
    mass: np.ndarray,
    score: np.ndarray,
    weight: np.ndarray,
    stem: Path,
    efficiencies: Sequence[float] = (1.0, 0.5, 0.2, 0.1),
    xlabel: str = "Mass [GeV]",
) -> Path:
    """Normalised background mass shapes after cuts keeping decreasing background fractions; `xlabel` names
    the channel's mass (`plotting.mass_axis_label`)."""
    fig, ax = _figure()
    low, high = (float(v) for v in np.quantile(mass, [0.005, 0.995]))
    edges = np.linspace(low, high, _BINS + 1)
    for position, eff in enumerate(efficiencies):
        cut = np.quantile(score, 1.0 - eff) if eff < 1 else -np.inf
        sel = score >= cut
        if sel.sum() < 2:
            continue
        ax.hist(
            mass[sel],
            bins=edges,
            weights=np.abs(weight[sel]),
            density=True,
            histtype="step",
            color=_CUT_COLOURS[position % len(_CUT_COLOURS)],
            linestyle=_CUT_STYLES[position % len(_CUT_STYLES)],
            linewidth=2,
            label=f"background, $\\varepsilon_b$ = {eff:g}",
        )
    ax.set_ylim(0.0, ax.get_ylim()[1] * 1.35)  # room for the label and legend above the shapes
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Normalised entries")
    ax.legend(loc="upper right")
    _label(ax, "Background mass after score cuts")
    return _save(fig, stem)


def sic(eff_s: np.ndarray, value: np.ndarray, stem: Path) -> Path:
    """Significance-improvement curve eps_s/sqrt(eps_b) against eps_s for an anomaly score."""
    fig, ax = _figure()
    ax.plot(eff_s, value)
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set_xlabel("Signal efficiency")
    ax.set_ylabel("$\\varepsilon_s/\\sqrt{\\varepsilon_b}$")
    _label(ax, "Significance improvement")
    return _save(fig, stem)


def decorrelation_front(scan: dict[str, Any], stem: Path) -> Path:
    """R50 against 1/JSD50 for each strength of a scan; the Pareto front joined, the working point starred."""
    fig, ax = _figure()
    name, points = scan["parameter"], scan["points"]
    inv = [1.0 / p["jsd50"] if p["jsd50"] > 0 else np.nan for p in points]
    ax.plot(inv, [p["r50"] for p in points], "o", label="scan points")
    front = sorted((x, p["r50"]) for x, p in zip(inv, points, strict=True) if p["pareto"])
    ax.plot([f[0] for f in front], [f[1] for f in front], "-", label="Pareto front")
    chosen = scan["working_point"]
    ax.plot(
        [1.0 / chosen["jsd50"] if chosen["jsd50"] > 0 else np.nan],
        [chosen["r50"]],
        "*",
        ms=16,
        label="working point",
    )
    for xi, p in zip(inv, points, strict=True):
        ax.annotate(
            f"$\\{name}$={p[name]:g}", (xi, p["r50"]), textcoords="offset points", xytext=(5, 5), fontsize=11
        )
    ax.set_xscale("log")
    ax.set_xlabel("1 / JSD$_{50}$ (mass decorrelation)")
    ax.set_ylabel("R$_{50}$ (background rejection)")
    ax.legend()
    _label(ax, "Decorrelation trade-off")
    return _save(fig, stem)
