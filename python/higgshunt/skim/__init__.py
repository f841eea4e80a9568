"""The skim: ATLAS Open Data style ntuples -> selected events with features and weights (HDF5), weighted
cutflows, histograms and optional Snapshots, with RDataFrame and the compiled C++ helpers.

    config = skim.load("configs/hzz4l.yaml")
    result = skim.run(config, output="outputs", threads=2)
"""

from higgshunt.skim import config
from higgshunt.skim.config import SkimConfig, load
from higgshunt.skim.cutflow import WEIGHT, Cutflow, CutflowRow, format_table
from higgshunt.skim.data_kind import of_samples as data_kind_of
from higgshunt.skim.graph import select
from higgshunt.skim.run import SkimResult, run
from higgshunt.skim.samples import ReadAs, read_as, resolve_samples

__all__ = [
    "config",
    "data_kind_of",
    "Cutflow",
    "ReadAs",
    "CutflowRow",
    "SkimConfig",
    "SkimResult",
    "WEIGHT",
    "format_table",
    "load",
    "read_as",
    "resolve_samples",
    "run",
    "select",
]
