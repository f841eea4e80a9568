"""One function decides the words a plot carries for its data: only real Open Data carry "ATLAS"; higgshunt's
own simulation and pseudo-data say so. Every matplotlib writer draws them through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from higgshunt.errors import ConfigError
from higgshunt.plotting import DATA_KINDS, data_label, draw_data_label


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("open_data", "ATLAS Open Data"),
        ("simulation", "higgshunt simulation"),
        ("pseudo_data", "higgshunt pseudo-data"),
        ("pseudo_data_injected", "higgshunt pseudo-data with injected signal"),
    ],
)
def test_label_by_data_kind(kind: str, text: str) -> None:
    assert str(data_label(kind)) == text


def test_only_open_data_names_the_experiment() -> None:
    assert [k for k in DATA_KINDS if "ATLAS" in str(data_label(k))] == ["open_data"]


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="data kind 'real' is not one of open_data"):
        data_label("real")


def _drawn_texts(fig: Any) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_draw_puts_the_words_on_the_axes() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    draw_data_label(ax, "pseudo_data")
    assert _drawn_texts(fig) == ["$\\mathbf{higgshunt}$ pseudo-data"]
    plt.close(fig)


def test_learning_plots_are_labelled_as_higgshunt_simulation(tmp_path: Path, monkeypatch: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from higgshunt.learning import plots

    texts: list[str] = []
    monkeypatch.setattr(plt, "close", lambda fig: texts.extend(_drawn_texts(fig)))
    fpr, tpr = np.array([0.0, 0.1, 1.0]), np.array([0.0, 0.8, 1.0])
    plots.roc({"model": (fpr, tpr, 0.9)}, tmp_path / "roc")
    assert "$\\mathbf{higgshunt}$ simulation" in texts
    assert not any("ATLAS" in t for t in texts)
