"""Plots drawn by the ROOT macros in `macros/`, the files they read that no other stage writes, and saving
matplotlib figures."""

from higgshunt.plotting.figures import save_figure
from higgshunt.plotting.macros import run_macro
from higgshunt.plotting.roc_file import write_roc_file

__all__ = ["run_macro", "save_figure", "write_roc_file"]
