"""The words a plot carries: what its data are (`data_label`), the names it prints for higgshunt's internal
names (`display_name`) and the title of a mass axis (`mass_axis_label`). One function decides each, for every
matplotlib writer; `macros/atlas_style.h` (`data_label`, `display_name`) prints the same words on the ROOT
macros' plots.

Only real collision data (ATLAS Open Data) carry the experiment's name: simulation and pseudo-data drawn by
higgshunt are not ATLAS results, so they are labelled as higgshunt's own.
"""

from __future__ import annotations

import re
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


# What a plot prints for higgshunt's internal names (bump-hunt selections, their categories); mirrored by
# `display_name` in macros/atlas_style.h.
DISPLAY_NAMES = {"cutbased": "cut-based selection", "ml": "ML selection"}
_CATEGORY = re.compile(r"^(?P<selection>[A-Za-z]+)_?cat(?P<number>\d+)$")


def display_name(name: str) -> str:
    """The words a plot prints for an internal name: "cutbased" -> "cut-based selection", "ml" -> "ML
    selection", "ml_cat2" -> "ML selection, category 2"; other names are printed as they are."""
    if name in DISPLAY_NAMES:
        return DISPLAY_NAMES[name]
    category = _CATEGORY.match(name)
    if category and category["selection"] in DISPLAY_NAMES:
        return f"{DISPLAY_NAMES[category['selection']]}, category {category['number']}"
    return name


# Subscripts of mass columns in TeX: the final state's particles ("yy" is two photons).
_PARTICLES = {"y": r"\gamma", "l": "l", "e": "e", "mu": r"\mu", "j": "j", "b": "b", "Z": "Z", "W": "W"}
_MASS_COLUMN = re.compile(r"^m_?(?P<count>\d*)(?P<particles>(?:mu|[ylejbZW])+)$")


def mass_axis_label(column: str | None) -> str:
    """The x-axis title of a mass in GeV from its column name: "m4l" -> "$m_{4l}$ [GeV]", "m_yy" ->
    "$m_{\\gamma\\gamma}$ [GeV]", "m3l" -> "$m_{3l}$ [GeV]"; any other name is printed as it is ("Mass"
    without one)."""
    if not column:
        return "Mass [GeV]"
    match = _MASS_COLUMN.match(column)
    if not match:
        return f"{column} [GeV]"
    particles = re.findall(r"mu|[ylejbZW]", match["particles"])
    return f"$m_{{{match['count']}{''.join(_PARTICLES[p] for p in particles)}}}$ [GeV]"
