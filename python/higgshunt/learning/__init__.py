"""Learning: train classifiers, decorrelated classifiers, BDTs and autoencoders; evaluate them honestly.

Public API: `train(config)` (config from `load_config` or `config_from_options`), `evaluate(...)`,
`load_model(directory)` for saved model directories (fold models loaded for scoring), `load_competitor(path)`
for networks to compare with.
"""

from higgshunt.learning.competitor import load as load_competitor
from higgshunt.learning.evaluate import evaluate
from higgshunt.learning.predictors import ScoringModel
from higgshunt.learning.predictors import load as load_model
from higgshunt.learning.report import comparison_sentence, format_table
from higgshunt.learning.settings import from_options as config_from_options
from higgshunt.learning.settings import load as load_config
from higgshunt.learning.settings import with_overrides
from higgshunt.learning.training import TrainResult, train

__all__ = [
    "ScoringModel",
    "TrainResult",
    "comparison_sentence",
    "config_from_options",
    "evaluate",
    "format_table",
    "load_competitor",
    "load_config",
    "load_model",
    "train",
    "with_overrides",
]
