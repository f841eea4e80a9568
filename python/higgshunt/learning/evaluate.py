"""Honest evaluation: metrics and plots of out-of-fold scores, side by side with a competitor on the same
events.

`assess` is shared by `higgshunt train` (on the out-of-fold scores of the training run) and `higgshunt
evaluate`
(on a saved model directory and any table).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_curve

from higgshunt import provenance
from higgshunt.artifacts import trained_model
from higgshunt.errors import InputError, OutputError
from higgshunt.learning import competitor as competitor_module
from higgshunt.learning import data, metrics, plots, predictors, report
from higgshunt.learning.anomaly import significance_improvement
from higgshunt.outputs import atomic_output, check_replaceable
from higgshunt.plotting import mass_axis_label, write_roc_file
from higgshunt.stats import asimov_significance

log = logging.getLogger(__name__)


@dataclass
class Assessment:
    """What `assess` needs beyond the test scores; everything optional has a sensible absence."""

    name: str
    test: metrics.ScoreSet
    train: tuple[np.ndarray, np.ndarray] | None = None  # (score, y) of training events, for the KS test
    histories: list[dict[str, list[float]]] = field(default_factory=list)
    competitor: metrics.ScoreSet | None = None
    competitor_info: dict[str, Any] = field(default_factory=dict)  # path and input features, for the record
    anomaly: bool = False
    decorrelation_scan: dict[str, Any] = field(default_factory=dict)
    mass_name: str | None = None  # the mass column, named on the mass axes


def assess(
    job: Assessment, header: dict[str, Any], out_dir: Path, *, make_plots: bool = True, config: Any = None
) -> dict[str, Any]:
    """Compute metrics.json content and draw the plots into `out_dir`; write metrics.json and summary.md."""
    result: dict[str, Any] = {**header}
    has_signal = bool(np.any(job.test.y == 1)) and bool(np.any(job.test.y == 0))
    if has_signal:
        result.update(metrics.classifier_metrics(job.test))
    else:
        result["n_test"] = int(len(job.test.y))
        log.warning("%s: test events have one class only; no ROC metrics", job.name)
    if job.train is not None and has_signal:
        result["ks_pvalue"] = {
            name: metrics.ks_overtraining(
                job.train[0][job.train[1] == cls], job.test.score[job.test.y == cls]
            )
            for cls, name in ((1, "signal"), (0, "background"))
        }
    if job.competitor is not None:
        result["competitor"] = {**job.competitor_info, **metrics.classifier_metrics(job.competitor)}
        result["comparison"] = _comparison(result, result["competitor"])
    if job.decorrelation_scan:
        result["decorrelation_scan"] = job.decorrelation_scan
    if job.anomaly and has_signal:
        curve = significance_improvement(job.test.score, job.test.y)
        result["sic_max"] = float(np.nanmax(curve["sic"]))
    result["provenance"] = provenance.collect(config)
    drawn = _draw(job, result, out_dir) if make_plots else []
    report.write_metrics(out_dir / "metrics.json", result)
    report.write_summary(out_dir / "summary.md", result, drawn, f"higgshunt: {job.name}")
    return result


def _comparison(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """AUC difference to the competitor in units of the spread over folds.

    The decision (`beats_by_2_sigma`) uses the two fold spreads added in quadrature, which treats the two
    models' fold AUCs as independent and so is conservative. Both models score the same events in every fold,
    so the spread of the per-fold differences (`paired`) is reported beside it; it is smaller when the fold
    AUCs move together, but it is not what the decision uses.
    """
    delta = mine["auc"] - theirs["auc"]
    sigma = float(np.hypot(mine.get("auc_std", 0.0), theirs.get("auc_std", 0.0)))
    n_sigma = _in_sigma(delta, sigma)
    result: dict[str, Any] = {
        "delta_auc": float(delta),
        "sigma": sigma,
        "delta_auc_sigma": n_sigma,
        "beats_by_2_sigma": bool(n_sigma > 2.0),
        "statistic": "(auc - competitor auc) / hypot(auc_std, competitor auc_std), std over folds (ddof 1)",
    }
    folds_mine, folds_theirs = mine.get("auc_folds", []), theirs.get("auc_folds", [])
    if len(folds_mine) == len(folds_theirs) and len(folds_mine) > 1:
        diff = np.asarray(folds_mine) - np.asarray(folds_theirs)
        spread = float(np.std(diff, ddof=1))
        result["paired"] = {
            "delta_auc_folds": [float(d) for d in diff],
            "mean": float(diff.mean()),
            "std": spread,
            "delta_auc_sigma": _in_sigma(float(diff.mean()), spread),
        }
    return result


def _in_sigma(delta: float, sigma: float) -> float:
    """delta / sigma; without spread, +inf for a positive difference and 0 otherwise."""
    if sigma > 0:
        return float(delta / sigma)
    return float(np.inf) if delta > 0 else 0.0


def _draw(job: Assessment, result: dict[str, Any], out_dir: Path) -> list[Path]:
    test = job.test
    drawn: list[Path] = []
    has_both = bool(np.any(test.y == 1)) and bool(np.any(test.y == 0))
    if has_both:
        curves = {job.name: (*roc_curve(test.y, test.score)[:2], result["auc"])}
        if job.competitor is not None:
            comp = job.competitor
            curves["competitor"] = (*roc_curve(comp.y, comp.score)[:2], result["competitor"]["auc"])
        drawn.append(plots.roc(curves, out_dir / "roc"))
        write_roc_file(out_dir / "roc.root", curves)  # for macros/plot_roc.C
    if job.train is not None and has_both:
        drawn.append(
            plots.score_distributions(
                job.train,
                (test.score, test.y),
                result.get("ks_pvalue", {}),
                out_dir / "scores",
                "Anomaly score" if job.anomaly else "Classifier score",
            )
        )
    if job.histories:
        steps = "Trees (boosting rounds)" if job.name == "bdt" else "Epoch"
        drawn.append(plots.loss_curves(job.histories, out_dir / "loss", xlabel=steps))
        if any("adv_loss" in h for h in job.histories):  # the joint phase after pre-training
            drawn.append(
                plots.loss_curves(
                    job.histories,
                    out_dir / "adversary_loss",
                    "adv_loss",
                    "Adversary NLL (background)",
                    "Epoch",
                )
            )
    if test.has_weights and has_both:
        scan = metrics.cut_scan(test.score, test.y, test.weight)
        comp_curve = None
        if job.competitor is not None:
            c_scan = metrics.cut_scan(job.competitor.score, job.competitor.y, job.competitor.weight)
            comp_curve = (c_scan["cut"], _finite(asimov_significance(c_scan["s"], c_scan["b"])))
        drawn.append(
            plots.significance_scan(
                scan["cut"],
                _finite(asimov_significance(scan["s"], scan["b"])),
                out_dir / "significance",
                comp_curve,
            )
        )
    if test.mass is not None and np.any(test.y == 0):
        bkg = test.y == 0
        drawn.append(
            plots.mass_sculpting(
                test.mass[bkg],
                test.score[bkg],
                test.weight[bkg],
                out_dir / "mass_sculpting",
                xlabel=mass_axis_label(job.mass_name),
            )
        )
    if job.anomaly and has_both:
        curve = significance_improvement(test.score, test.y)
        drawn.append(plots.sic(curve["eff_s"], curve["sic"], out_dir / "sic"))
    if job.decorrelation_scan:
        drawn.append(plots.decorrelation_front(job.decorrelation_scan, out_dir / "decorrelation_front"))
    return drawn


def _finite(z: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(z), z, np.nan)


def competitor_scores(
    config: dict[str, Any] | None, frame_ds: data.Dataset, n_folds: int
) -> metrics.ScoreSet | None:
    """Scores of the configured competitor on the same events (its features taken from the same table
    rows)."""
    if not config:
        return None
    comp = competitor_module.load(config["path"])
    names = list(config.get("features") or frame_ds.features)
    x = columns(frame_ds, names)
    if x.shape[1] != comp.n_inputs:
        raise InputError(
            f"{config['path']}: competitor takes {comp.n_inputs} inputs, but {x.shape[1]} competitor "
            f"features were given ({', '.join(names)})"
        )
    score = comp.score(x, frame_ds.fold, n_folds)
    log.info("competitor %s scored %d events", config["path"], len(score))
    return metrics.ScoreSet(
        score, frame_ds.y, frame_ds.weight, frame_ds.has_weights, frame_ds.fold, frame_ds.mass
    )


def competitor_info(config: dict[str, Any] | None, default_features: list[str]) -> dict[str, Any]:
    """Path and input columns of the configured competitor (empty without one), recorded in metrics.json."""
    if not config:
        return {}
    return {"path": str(config["path"]), "features": list(config.get("features") or default_features)}


def check_output_folder(path: str | Path, *, inputs: Sequence[str | Path]) -> Path:
    """The output folder `path`, checked before any work is done (`atomic_output` checks again at the end).

    Raises:
        OutputError: `path` is a file, a folder higgshunt did not write, or is or holds one of `inputs`.
    """
    folder = Path(path)
    check_replaceable(folder, inputs=inputs)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; give a folder for this output")
    return folder


def columns(ds: data.Dataset, names: list[str]) -> np.ndarray:
    """The columns `names` of a dataset's feature matrix."""
    missing = [n for n in names if n not in ds.features]
    if missing:
        raise InputError(f"{ds.source}: missing column {', '.join(repr(m) for m in missing)}")
    return ds.x[:, [ds.features.index(n) for n in names]]


def evaluate(
    model_dir: str | Path,
    data_path: str | Path,
    output: str | Path,
    *,
    key: str | None = None,
    label: str | None = None,
    signal_value: data.SignalValue | None = None,
    weight: str | None = None,
    mass: str | None = None,
    competitor: dict[str, Any] | None = None,
    drop_nonfinite: bool = False,
    make_plots: bool = True,
    ensemble: bool = False,
) -> dict[str, Any]:
    """Score a table with a saved model directory (fold rule per event) and a competitor; write the outputs.

    Column options default to those the model was trained with (its training settings). The output folder
    is never a file, a folder higgshunt did not write or one holding the model, the table or the competitor.
    `ensemble` scores every event with the mean of the fold models instead (`ScoringModel.mean_score`); it is
    refused when the table holds training events, whose mean score would include the models that learnt them.
    """
    inputs = [model_dir, data_path, *([competitor["path"]] if competitor else [])]
    output = check_output_folder(output, inputs=inputs)
    trained = trained_model.load(model_dir)
    trained_data = trained.settings.get("data", {})
    label = label or trained_data.get("label", "label")
    signal_value = trained_data.get("signal_value", 1) if signal_value is None else signal_value
    weight = weight if weight is not None else trained_data.get("weight")
    mass = mass if mass is not None else trained_data.get("mass")
    extra = [c for c in (competitor or {}).get("features", []) if c not in trained.features]
    names = [*trained.features, *extra]
    frame = data.load_table(data_path, key)
    frame = data.add_derived(frame, trained_data.get("derived") or {}, str(data_path))
    frame = data.in_mass_range(frame, mass, trained_data.get("mass_range"), str(data_path))
    n_folds = trained.n_folds
    ds = data.prepare(
        frame,
        features=names,
        label=label,
        signal_value=signal_value,
        weight=weight,
        mass=mass,
        fold_column=trained_data.get("fold_column", "fold"),
        n_folds=n_folds,
        seed=int(trained.settings.get("training", {}).get("seed", 0)),
        drop_nonfinite=drop_nonfinite,
        require_both_classes=False,
        source=str(data_path),
    )
    x = columns(ds, list(trained.features))
    overlap = training_overlap(trained, x, ds.fold_origin, str(data_path))  # before the scoring
    if ensemble and overlap["n"]:
        raise InputError(
            f"{data_path}: {overlap['n']} events were training events of this model; the mean of the fold "
            "models scores only new events (drop the ensemble option to use the fold rule)"
        )
    scorer = predictors.load(trained)
    score = scorer.mean_score(x) if ensemble else scorer.score(x, ds.fold)
    job = Assessment(
        name=trained.kind,
        test=metrics.ScoreSet(score, ds.y, ds.weight, ds.has_weights, ds.fold, ds.mass),
        competitor=competitor_scores(competitor, ds, n_folds),
        competitor_info=competitor_info(competitor, list(trained.features)),
        anomaly=trained.anomaly,
        mass_name=mass,
    )
    header = {
        "model": trained.kind,
        "model_dir": str(model_dir),
        "data": str(data_path),
        "features": list(trained.features),
        "seed": trained.settings.get("training", {}).get("seed"),
        "training_events_overlap": overlap,
        "scoring": "mean of the fold models" if ensemble else "fold rule (eventNumber % n_folds)",
    }
    with atomic_output(output, inputs=inputs) as tmp:
        tmp.mkdir(parents=True)
        result = assess(job, header, tmp, make_plots=make_plots, config={**header, "competitor": competitor})
    return result


def training_overlap(
    trained: trained_model.TrainedModel, x: np.ndarray, fold_origin: str, source: str
) -> dict[str, Any]:
    """How many evaluated events the model was trained on, found by their feature rows, and whether their
    scores are still out of fold.

    They are when both the training and this table split folds by eventNumber with the same k (each event is
    then scored by the fold model that never saw it). With random folds a training event is scored by a model
    trained on it and the metrics overstate the performance: a warning says so. A one-fold model (`folds: 1`)
    has no out-of-fold model for its training events at all: it may score only events held out from its
    training (its own test split, or another table), and is refused otherwise.

    Raises:
        InputError: a one-fold model would score events it was trained on.
    """
    n = int(np.isin(data.row_hashes(x), trained.training_events()).sum())
    if n and trained.n_folds == 1:
        raise InputError(
            f"{source}: {n} of {len(x)} events were training events of this one-fold model (folds: 1), which "
            "would score them in-sample; score events held out from its training, or train with folds >= 2"
        )
    rule = f"eventNumber % {trained.n_folds}"
    out_of_fold = trained.n_folds > 1 and trained.training_folds == rule and fold_origin == rule
    if n and not out_of_fold:
        log.warning(
            "%s: %d of %d events were training events of this model (training folds: %s; here: %s): "
            "their scores are not out of fold and the metrics overstate the performance",
            source,
            n,
            len(x),
            trained.training_folds,
            fold_origin,
        )
    return {
        "n": n,
        "of": int(len(x)),
        "training_folds": trained.training_folds,
        "out_of_fold": bool(out_of_fold),
    }
