"""Plots drawn by the ROOT macros in `macros/`, the files they read that no other stage writes, saving
matplotlib figures, and the words every plot carries (what its data are, display names, mass axis titles)."""

from higgshunt.plotting.figures import save_figure
from higgshunt.plotting.labels import (
    DATA_KINDS,
    DISPLAY_NAMES,
    DataLabel,
    data_label,
    display_name,
    draw_data_label,
    mass_axis_label,
)
from higgshunt.plotting.macros import run_macro
from higgshunt.plotting.roc_file import write_roc_file

__all__ = [
    "DATA_KINDS",
    "DISPLAY_NAMES",
    "DataLabel",
    "data_label",
    "display_name",
    "draw_data_label",
    "mass_axis_label",
    "run_macro",
    "save_figure",
    "write_roc_file",
]
