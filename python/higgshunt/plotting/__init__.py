"""Plots drawn by the ROOT macros in `macros/`, the files they read that no other stage writes, saving
matplotlib figures, and the label every plot carries for what its data are."""

from higgshunt.plotting.figures import save_figure
from higgshunt.plotting.labels import DATA_KINDS, DataLabel, data_label, draw_data_label
from higgshunt.plotting.macros import run_macro
from higgshunt.plotting.roc_file import write_roc_file

__all__ = [
    "DATA_KINDS",
    "DataLabel",
    "data_label",
    "draw_data_label",
    "run_macro",
    "save_figure",
    "write_roc_file",
]
