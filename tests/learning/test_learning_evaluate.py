"""`higgshunt evaluate` loads a model directory through the one consistency check that export and the bump
hunt use: inconsistent directories are refused with one line, never scored."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from higgshunt.artifacts import trained_model
from higgshunt.cli import main
from higgshunt.learning import training
from learning_tables import xgboost_config


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(kind="svm"), "kind: 'svm' is not one of"),
        (
            lambda m: m.update(features=["x1", "x2"]),
            r"fold0\.json: the booster has 3 features, the manifest lists 2",
        ),
        (lambda m: m.update(version=1), "format version 1, this higgshunt reads version 3"),
    ],
)
def test_inconsistent_model_is_refused(
    tmp_path: Path,
    blob_csv: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[dict[str, Any]], Any],
    message: str,
) -> None:
    model = training.train(xgboost_config(blob_csv, tmp_path / "bdt", 5)).output
    manifest = model / trained_model.FILE_NAME
    document = json.loads(manifest.read_text())
    edit(document)
    manifest.write_text(json.dumps(document))
    output = tmp_path / "evaluation"
    assert main(["evaluate", "--model", str(model), "--data", str(blob_csv), "--output", str(output)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("higgshunt evaluate: error: ")
    assert str(manifest) in err or str(model) in err
    assert re.search(message, err) and not output.exists()


@pytest.mark.slow
def test_ensemble_scores_new_events_with_the_mean_of_the_fold_models(tmp_path: Path, blob_csv: Path) -> None:
    import numpy as np
    from higgshunt.errors import InputError
    from higgshunt.learning import evaluate, predictors
    from learning_tables import blobs

    model = training.train(xgboost_config(blob_csv, tmp_path / "bdt", 30)).output
    scorer = predictors.load(model)
    x = np.random.default_rng(2).normal(size=(20, 3))
    by_hand = (scorer.predictors[0](x) + scorer.predictors[1](x)) / 2
    np.testing.assert_allclose(scorer.mean_score(x), by_hand, rtol=1e-12)
    with pytest.raises(InputError, match="training events of this model"):
        evaluate(model, blob_csv, tmp_path / "e0", ensemble=True, make_plots=False)
    new = tmp_path / "new.csv"
    blobs(600, seed=5).assign(eventNumber=lambda f: f["eventNumber"] + 10_000).to_csv(new, index=False)
    result = evaluate(model, new, tmp_path / "e1", ensemble=True, make_plots=False)
    assert result["scoring"] == "mean of the fold models" and result["auc"] > 0.8
