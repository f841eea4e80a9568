"""The words a plot carries for what its data are. One function decides them, for every matplotlib writer;
`macros/atlas_style.h` (`data_label`) prints the same words on the ROOT macros' plots.

Only real collision data (ATLAS Open Data) carry the experiment's name: simulation and pseudo-data drawn by
higgshunt are not ATLAS results, so they are labelled as higgshunt's own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from higgshunt.errors import ConfigError

# pseudo_data_injected: pseudo-data drawn with a signal injected on purpose.
DATA_KINDS = ("open_data", "pseudo_data", "pseudo_data_injected", "simulation")


class DataLabel(NamedTuple):
    """`lead` is printed bold, `status` after it in the normal weight."""

    lead: str
    status: str

    def __str__(self) -> str:
        return f"{self.lead} {self.status}"


def data_label(kind: str) -> DataLabel:
    """The label for data of `kind` (one of DATA_KINDS); pseudo-data with a signal injected on purpose say so.

    Raises:
        ConfigError: `kind` is not one of DATA_KINDS.
    """
    if kind == "open_data":
        return DataLabel("ATLAS", "Open Data")
    if kind == "simulation":
        return DataLabel("higgshunt", "simulation")
    if kind == "pseudo_data":
        return DataLabel("higgshunt", "pseudo-data")
    if kind == "pseudo_data_injected":
        return DataLabel("higgshunt", "pseudo-data with injected signal")
    raise ConfigError(f"data kind {kind!r} is not one of {', '.join(DATA_KINDS)}")


def draw_data_label(ax: Any, kind: str, *, x: float = 0.05, y: float = 0.95) -> None:
    """Draws the label of `kind` at (x, y) in axes coordinates: the lead word bold, the status after it."""
    label = data_label(kind)
    ax.text(x, y, f"$\\mathbf{{{label.lead}}}$ {label.status}", transform=ax.transAxes, fontsize=14, va="top")
