"""Plots print display names, not internal ones; mass axes name the channel's mass; the learning plots keep
their label, legend and curves apart and distinct."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from higgshunt.plotting import display_name, mass_axis_label


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("cutbased", "cut-based selection"),
        ("ml", "ML selection"),
        ("ml_cat2", "ML selection, category 2"),
        ("cutbased_cat1", "cut-based selection, category 1"),
        ("my_selection", "my_selection"),  # a user's own name is printed as it is
    ],
)
def test_display_names(name: str, shown: str) -> None:
    assert display_name(name) == shown


@pytest.mark.parametrize(
    ("column", "title"),
    [
        ("m4l", "$m_{4l}$ [GeV]"),
        ("m_yy", "$m_{\\gamma\\gamma}$ [GeV]"),
        ("m3l", "$m_{3l}$ [GeV]"),
        ("m4mu", "$m_{4\\mu}$ [GeV]"),
        ("mass", "mass [GeV]"),
        (None, "Mass [GeV]"),
    ],
)
def test_mass_axis_label(column: str | None, title: str) -> None:
    assert mass_axis_label(column) == title


@pytest.fixture
def kept(monkeypatch: Any) -> Iterator[list[Any]]:
    """The learning plots' figures, kept open (their writer closes them) to look at what was drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures: list[Any] = []
    close = plt.close
    monkeypatch.setattr(plt, "close", figures.append)
    yield figures
    for fig in figures:
        close(fig)


def _scores(seed: int = 1, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    return np.where(y == 1, rng.beta(8, 1.2, n), rng.beta(1.2, 6, n)), y


def test_scores_legend_does_not_overprint_the_label(tmp_path: Path, kept: list[Any]) -> None:
    from higgshunt.learning import plots

    plots.score_distributions(_scores(1), _scores(2), {"signal": 0.4, "background": 0.6}, tmp_path / "s")
    (fig,) = kept
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    for text in ax.texts:
        assert not legend.overlaps(text.get_window_extent(renderer)), text.get_text()
    # and the distributions stay below the legend
    top_of_data = max(patch.get_window_extent(renderer).y1 for patch in ax.patches if patch.get_height() > 0)
    assert top_of_data < legend.y0


def test_mass_sculpting_colours_are_distinct_and_dark(tmp_path: Path, kept: list[Any]) -> None:
    from higgshunt.learning import plots
    from matplotlib.colors import to_rgb

    score, _ = _scores(3)
    mass = 100.0 + 50.0 * score + np.random.default_rng(4).exponential(50.0, len(score))
    plots.mass_sculpting(mass, score, np.ones(len(score)), tmp_path / "m", xlabel=mass_axis_label("m4l"))
    (fig,) = kept
    ax = fig.axes[0]
    assert ax.get_xlabel() == "$m_{4l}$ [GeV]"
    colours = [to_rgb(patch.get_edgecolor()) for patch in ax.patches]
    assert len(colours) == 4 and len(set(colours)) == 4
    # relative luminance (sRGB weights) well below white's 1: no pale yellow on the white page
    assert all(0.2126 * r + 0.7152 * g + 0.0722 * b < 0.6 for r, g, b in colours)


def test_roc_curves_stay_below_the_label(tmp_path: Path, kept: list[Any]) -> None:
    from higgshunt.learning import plots
    from sklearn.metrics import roc_curve

    score, y = _scores(5)
    fpr, tpr, _ = roc_curve(y, score)
    plots.roc({"bdt": (fpr, tpr, 0.99)}, tmp_path / "roc")
    (fig,) = kept
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    lowest_text = min(text.get_window_extent(renderer).y0 for text in ax.texts)
    assert max(line.get_window_extent(renderer).y1 for line in ax.lines) < lowest_text


def test_an_outlier_does_not_squeeze_the_scores_into_one_bin(tmp_path: Path, kept: list[Any]) -> None:
    """An unbounded (anomaly) score with one huge value: the bulk still spreads over many bins."""
    from higgshunt.learning import plots

    score, y = _scores(6)
    score[0] = 3e11
    plots.score_distributions((score, y), (score, y), {}, tmp_path / "s", "Anomaly score")
    (fig,) = kept
    ax = fig.axes[0]
    assert ax.get_xlim()[1] < 10.0
    filled = [patch for patch in ax.patches if patch.get_height() > 0]
    assert len(filled) > 40  # over both classes' test histograms


def test_values_over_many_decades_get_a_logarithmic_axis(tmp_path: Path, kept: list[Any]) -> None:
    from higgshunt.learning import plots

    plots.loss_curves([{"loss": [0.5, 0.4, 0.3], "val_loss": [1.7e7, 0.45, 0.35]}], tmp_path / "loss")
    plots.loss_curves([{"loss": [0.7, 0.5, 0.4], "val_loss": [0.72, 0.55, 0.5]}], tmp_path / "flat")
    cut = np.geomspace(1e-3, 5e10, 50)
    plots.significance_scan(cut, np.full(50, 0.25), tmp_path / "significance")
    scales = [fig.axes[0].get_yscale() for fig in kept[:2]] + [kept[2].axes[0].get_xscale()]
    assert scales == ["log", "linear", "log"]


def test_scores_over_many_decades_get_logarithmic_bins(tmp_path: Path, kept: list[Any]) -> None:
    """Reconstruction errors spread over eleven decades: logarithmic bins and axis, each bin a fraction of
    the entries, so the test histograms of both classes sum to one and fill many bins."""
    from higgshunt.learning import plots

    rng = np.random.default_rng(4)
    score = 10.0 ** rng.uniform(-2.0, 9.0, 2000)
    y = (rng.random(2000) < 0.5).astype(int)
    plots.score_distributions((score, y), (score, y), {}, tmp_path / "s", "Anomaly score")
    (fig,) = kept
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    heights = np.array([patch.get_height() for patch in ax.patches])
    assert heights.sum() == pytest.approx(2.0)  # signal + background fractions
    assert np.count_nonzero(heights) >= 60  # of 2 x 40 bins
