"""`train`: read the table, run the k-fold training of the chosen model kind, save, assess, report.

Everything lands in one output directory, written under a temporary name and renamed when complete:
the trained-model directory (`higgshunt.artifacts.trained_model`: manifest, fold models, training settings),
metrics.json, plots, summary.md. The output folder is never a folder higgshunt did not write nor one holding
an input.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt import provenance
from higgshunt.artifacts import trained_model
from higgshunt.artifacts.trained_model import TrainedModel
from higgshunt.errors import ConfigError, ModelFormatError
from higgshunt.learning import data, decorrelation, metrics, report, settings
from higgshunt.learning.evaluate import (
    Assessment,
    assess,
    check_output_folder,
    columns,
    competitor_info,
    competitor_scores,
)
from higgshunt.learning.kfold import Fitter, fit_dnn, run_kfold
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """Outcome of `train`: where it was written, the metrics (as in metrics.json) and the trained model."""

    output: Path
    metrics: dict[str, Any]
    model: TrainedModel


def _fitter(kind: str) -> Fitter:
    if kind == "dnn":
        return fit_dnn
    if kind == "bdt":
        from higgshunt.learning.bdt import fit_bdt

        return fit_bdt
    if kind == "adversarial":
        from higgshunt.learning.adversarial import fit_adversarial

        return fit_adversarial
    if kind == "disco":
        from higgshunt.learning.disco import fit_disco

        return fit_disco
    if kind == "ae":
        from higgshunt.learning.anomaly import fit_autoencoder

        return fit_autoencoder
    if kind == "vae":
        from higgshunt.learning.anomaly import fit_vae

        return fit_vae
    if kind == "tune":
        from higgshunt.learning.anomaly import fit_tuned

        return fit_tuned
    raise ConfigError(f"model kind '{kind}' unknown; expected one of {', '.join(settings.MODEL_KINDS)}")


def load_dataset(config: dict[str, Any]) -> tuple[data.Dataset, list[str]]:
    """The dataset of a training config and the model's features (patterns expanded).

    The dataset's columns are the model features followed by any extra competitor features, so both are read
    from the same rows.
    """
    spec = config["data"]
    frame = data.load_table(spec["path"], spec.get("key"))
    frame = data.add_derived(frame, spec["derived"], spec["path"])
    frame = data.in_mass_range(frame, spec.get("mass"), spec["mass_range"], spec["path"])
    features = data.expand_features(list(spec["features"]), [str(c) for c in frame.columns], spec["path"])
    extra = [c for c in (config.get("competitor") or {}).get("features", []) if c not in features]
    anomaly = config["model"] in ("ae", "vae") or (
        config["model"] == "tune" and config["tune"]["kind"] == "ae"
    )
    ds = data.prepare(
        frame,
        features=features + extra,
        label=spec["label"],
        signal_value=spec["signal_value"],
        weight=spec.get("weight"),
        mass=spec.get("mass"),
        fold_column=spec.get("fold_column"),
        n_folds=int(config["training"]["folds"]),
        seed=int(config["training"]["seed"]),
        drop_nonfinite=bool(spec["drop_nonfinite"]),
        require_both_classes=not anomaly,
        min_events=data.MIN_EVENTS_PER_CLASS_AND_FOLD,
        source=spec["path"],
    )
    return ds, features


def _restrict(ds: data.Dataset, names: list[str]) -> data.Dataset:
    return data.Dataset(
        tuple(names),
        columns(ds, names),
        ds.y,
        ds.weight,
        ds.has_weights,
        ds.mass,
        ds.fold,
        ds.event_id,
        ds.source,
        ds.fold_origin,
    )


def train(config: dict[str, Any], *, force: bool = False) -> TrainResult:
    """Train the configured model kind with k-fold, save the model directory, metrics, plots and summary.

    `config` is a merged config (`settings.load` / `settings.from_options`). As with `skim`, an output holding
    a model trained with this same config is complete: it is skipped, and an output holding a model trained
    with another config is refused; `force` retrains and replaces either.
    """
    output = check_output_folder(config["output"], inputs=_inputs(config))  # before the long training
    if not force and trained_model.path(output).exists():
        try:
            done = trained_model.load(output)
        except ModelFormatError as exc:
            raise ConfigError(f"{exc}; use --force to replace it") from exc
        if _config_key(done.provenance.get("config") or {}) != _config_key(config):
            raise ConfigError(
                f"{output} holds a model trained with another config; use --force to replace it"
            )
        if not _inputs_newer(config, trained_model.path(output)):
            log.warning(
                "%s: model is complete for this config and these inputs: skipped (--force retrains it)",
                output,
            )
            return TrainResult(output, report.read_metrics(output / "metrics.json"), done)
    kind = config["model"]
    fit = settings.fit_settings(config)
    progress = bool(config["progress"])
    full, features = load_dataset(config)
    ds = _restrict(full, features)
    log.info("%s: %d events (%d signal), %d features", ds.source, len(ds), int(ds.y.sum()), len(ds.features))
    if kind == "bdt":
        from higgshunt.learning.bdt import choose_backend

        fit["backend"] = choose_backend(config["backend"])
    backend = "keras" if kind != "bdt" else fit["backend"]
    scan: dict[str, Any] = {}
    scanned = config.get(kind, {}).get(f"{decorrelation.PARAMETER.get(kind)}_scan") or []
    if scanned:
        block = config[kind]
        values = [float(v) for v in scanned] + [float(block[decorrelation.PARAMETER[kind]])]
        result, scan = decorrelation.scan(
            ds, _fitter(kind), fit, kind, values, float(block["max_jsd50"]), progress
        )
    else:
        result = run_kfold(ds, _fitter(kind), fit, progress=progress)
    if kind == "tune":  # searched and trained fold by fold (anomaly.fit_tuned), saved as the tuned kind
        fit["tuned"] = [m.info for m in result.models]  # the architecture each fold's search chose
        kind = str(config["tune"]["kind"])
    test = result.test_mask
    job = Assessment(
        name=kind,
        test=metrics.ScoreSet(
            result.test_score[test],
            ds.y[test],
            ds.weight[test],
            ds.has_weights,
            ds.fold[test],
            None if ds.mass is None else ds.mass[test],
        ),
        train=(result.train_score, ds.y[result.train_index]),
        histories=[m.history for m in result.models],
        anomaly=kind in ("ae", "vae"),
        decorrelation_scan=scan,
        mass_name=config["data"].get("mass"),
        competitor=_subset_scores(competitor_scores(config.get("competitor"), full, int(fit["folds"])), test),
        competitor_info=competitor_info(config.get("competitor"), features),
    )
    n_train = int(round(np.mean(result.n_train)))  # per fold model
    header = {
        "model": kind,
        "backend": backend,
        "features": list(ds.features),
        "n_train": n_train,
        "seed": int(fit["seed"]),
        "train_seconds": round(result.seconds, 3),
        "n_folds": int(fit["folds"]),
    }
    with atomic_output(output, inputs=_inputs(config)) as tmp:
        trained_model.save(
            tmp,
            kind=kind,
            backend=backend,
            features=ds.features,
            models=[m.model for m in result.models],
            derived=config["data"].get("derived") or {},
            provenance=provenance.collect(config),
            settings={**config, "fit": fit},
            training_folds=ds.fold_origin,
            # with one fold, the held-out test split is not training: it may be scored later
            training_events=data.row_hashes(ds.x if int(fit["folds"]) > 1 else ds.x[~test]),
        )
        summary = assess(job, header, tmp, make_plots=bool(config["plots"]), config=config)
    return TrainResult(output, summary, trained_model.load(output))


def _config_key(config: dict[str, Any]) -> str:
    """The hash of what decides a training's result: the config without display options."""
    return provenance.config_hash({k: v for k, v in config.items() if k not in ("progress", "plots")})


def _inputs_newer(config: dict[str, Any], manifest: Path) -> bool:
    """Whether an input file changed after the model was written (then the same config trains again)."""
    written = manifest.stat().st_mtime_ns
    return any(Path(p).exists() and Path(p).stat().st_mtime_ns > written for p in _inputs(config))


def _inputs(config: dict[str, Any]) -> list[str]:
    """The files a training reads: its table and any competitor network."""
    competitor = config.get("competitor") or {}
    return [str(config["data"]["path"]), *([str(competitor["path"])] if competitor.get("path") else [])]


def _subset_scores(scores: metrics.ScoreSet | None, mask: np.ndarray) -> metrics.ScoreSet | None:
    if scores is None:
        return None
    return metrics.ScoreSet(
        scores.score[mask],
        scores.y[mask],
        scores.weight[mask],
        scores.has_weights,
        scores.fold[mask],
        None if scores.mass is None else scores.mass[mask],
    )
