"""`higgshunt train`: k-fold training of a classifier, BDT or autoencoder from a config or from options."""

from __future__ import annotations

import argparse

from higgshunt import resources
from higgshunt.cli.progress import add_progress_argument, progress
from higgshunt.ranges import label_values, non_negative_float, positive_int, seed

NAME = "train"
HELP = (
    "train a model (dnn, adversarial, disco, bdt, ae, vae, tune) with k-fold;"
    " write the model directory and metrics"
)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _lambdas(text: str) -> list[float]:
    return [non_negative_float(part) for part in _names(text)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("input (a config, or a table with options)")
    source.add_argument(
        "--config",
        type=resources.config_file,
        help="training config (YAML file, or the name of a shipped config); options below override it",
    )
    source.add_argument("--data", help="table: HDF5 (pandas), CSV(.gz) or ROOT file")
    source.add_argument(
        "--key", help="HDF5 table or ROOT tree name (default: all HDF5 tables / the only tree)"
    )
    source.add_argument("--features", type=_names, help="comma-separated input columns")
    source.add_argument("--label", help="label column (default: label)")
    source.add_argument(
        "--signal-value",
        type=label_values,
        help="label value(s) of signal: a number or a string (e.g. s), comma-separated for several "
        "classes (default 1)",
    )
    source.add_argument("--weight", help="event weight column")
    source.add_argument("--mass", help="mass column (R50/JSD50, adversary)")
    source.add_argument(
        "--drop-nonfinite",
        action="store_true",
        default=None,
        help="drop rows with NaN/inf features (with a warning) instead of failing",
    )
    parser.add_argument(
        "--model",
        choices=("dnn", "adversarial", "disco", "bdt", "ae", "vae", "tune"),
        help="model kind (required without --config)",
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "xgboost", "lightgbm", "tmva"),
        help="BDT backend (default auto: TMVA where ROOT has it, else XGBoost)",
    )
    parser.add_argument("--output", help="output directory (a new one, or one higgshunt wrote)")
    parser.add_argument(
        "--folds", type=positive_int, help="number of folds k (fold = eventNumber %% k; default 3)"
    )
    parser.add_argument("--seed", type=seed, help="random seed (default 42)")
    parser.add_argument("--epochs", type=positive_int, help="maximum training epochs (default 100)")
    parser.add_argument(
        "--lambda",
        dest="lambdas",
        type=_lambdas,
        help="adversary strength (default 10); several comma-separated values run a scan"
        " (the working point is saved)",
    )
    parser.add_argument(
        "--alpha",
        type=_lambdas,
        help="DisCo strength (score-mass distance correlation on background); several comma-separated values"
        " run a scan (the working point is saved)",
    )
    parser.add_argument(
        "--competitor", help="competitor network (.keras, .h5, SavedModel dir or folder of them)"
    )
    parser.add_argument("--competitor-features", type=_names, help="competitor input columns, in its order")
    parser.add_argument(
        "--force",
        action="store_true",
        help="retrain even when the output holds a model trained with this config, or replace one trained "
        "with another config",
    )
    add_progress_argument(parser)


def run(args: argparse.Namespace) -> int:
    from higgshunt import learning
    from higgshunt.errors import ConfigError

    options = {**vars(args), "progress": progress(args)}
    if args.config:
        config = learning.with_overrides(learning.load_config(args.config), options)
    elif args.data and args.features and args.model and args.output:
        config = learning.config_from_options(options)
    else:
        raise ConfigError("give --config FILE, or --data, --features, --model and --output")
    result = learning.train(config, force=args.force)
    print(learning.format_table(result.metrics))
    print(f"written to {result.output}")
    return 0
