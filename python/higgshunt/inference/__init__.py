"""Trained models in the event loop: export (higgshunt-model format) and the score column in RDataFrame."""

from higgshunt.inference.export import EXPORT_NAME, MODEL_VERSION, default_output, export_model, is_current
from higgshunt.inference.manifest import TrainedModel, load_manifest
from higgshunt.inference.rdf import define_score, exported_model, score_expression

__all__ = [
    "EXPORT_NAME",
    "MODEL_VERSION",
    "TrainedModel",
    "default_output",
    "define_score",
    "export_model",
    "exported_model",
    "is_current",
    "load_manifest",
    "score_expression",
]
