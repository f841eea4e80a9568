"""Trained models in the event loop: export (higgshunt-model format) and the score column in RDataFrame.

The trained-model directory and the exported file are defined in `higgshunt.artifacts` (`trained_model`,
`exported_model`); the functions here take a directory or a loaded `TrainedModel`.
"""

from higgshunt.inference.export import export_model, is_current
from higgshunt.inference.rdf import define_score, exported_model, score_expression

__all__ = [
    "define_score",
    "export_model",
    "exported_model",
    "is_current",
    "score_expression",
]
