"""Plots drawn by the ROOT macros in `macros/`, and the files they read that no other stage writes."""

from higgshunt.plotting.macros import run_macro
from higgshunt.plotting.roc_file import write_roc_file

__all__ = ["run_macro", "write_roc_file"]
