"""A checked trained-model directory with its fold models loaded into predictors (Keras, XGBoost, LightGBM,
TMVA), scoring raw features event by event with the fold rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from higgshunt.artifacts import trained_model
from higgshunt.artifacts.trained_model import TrainedModel

Predictor = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ScoringModel:
    """A trained model whose fold models are loaded: `predictors[i]` scores the events of fold i."""

    trained: TrainedModel
    predictors: tuple[Predictor, ...]

    def score(self, x: np.ndarray, fold: np.ndarray) -> np.ndarray:
        """Score each event with the model of its fold (the one that did not see it in training)."""
        if len(self.predictors) == 1:
            return self.predictors[0](x)
        out = np.empty(len(x))
        for f, predict in enumerate(self.predictors):
            sel = fold == f
            if sel.any():
                out[sel] = predict(x[sel])
        return out

    def mean_score(self, x: np.ndarray) -> np.ndarray:
        """The mean of all fold models' scores: for events none of them learnt from (a new table), where
        averaging the k models lowers the variance of the score. Simulation and data must be scored the same
        way: the bump hunt's event loop uses the fold rule, so its tables are scored with `score`."""
        return np.mean([predict(x) for predict in self.predictors], axis=0)


def load(model: TrainedModel | str | Path) -> ScoringModel:
    """Load the fold models of a trained model (a directory is read and checked first)."""
    trained = model if isinstance(model, TrainedModel) else trained_model.load(model)
    return ScoringModel(trained, tuple(_predictor(path, trained) for path in trained.files))


def _predictor(path: Path, trained: TrainedModel) -> Predictor:
    if trained.backend == "keras":
        import keras

        from higgshunt.learning.kfold import keras_predictor

        model = keras.models.load_model(path, compile=False, safe_mode=True)
        if trained.anomaly:
            from higgshunt.learning.anomaly import reconstruction_scorer

            return reconstruction_scorer(model)
        return keras_predictor(model)
    if trained.backend == "xgboost":
        from higgshunt.learning.bdt import xgboost_predictor

        return xgboost_predictor(path)
    if trained.backend == "lightgbm":
        from higgshunt.learning.bdt import lightgbm_predictor

        return lightgbm_predictor(path)
    from higgshunt.learning.bdt import tmva_predictor

    return tmva_predictor(path, list(trained.features))
