"""The skim: ATLAS Open Data style ntuples -> selected events with features and weights (HDF5), weighted
cutflows, histograms and optional Snapshots, with RDataFrame and the compiled C++ helpers.

    config = skim.load("configs/hzz4l.yaml")
    result = skim.run(config, output="outputs", threads=2)
"""

from higgshunt.skim import config, export
from higgshunt.skim.config import SkimConfig, load
from higgshunt.skim.cutflow import Cutflow, CutflowRow, format_table
from higgshunt.skim.run import SkimResult, run

__all__ = [
    "config",
    "export",
    "Cutflow",
    "CutflowRow",
    "SkimConfig",
    "SkimResult",
    "format_table",
    "load",
    "run",
]
