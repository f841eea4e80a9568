"""`higgshunt export`: a trained model -> the versioned higgshunt-model JSON read by the C++ library."""

from __future__ import annotations

import argparse

from higgshunt.ranges import seed

NAME = "export"
HELP = "export a trained model directory to the higgshunt-model JSON format (checked against its library)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_dir", help="trained model directory (written by higgshunt train)")
    parser.add_argument(
        "--output", help="file to write, never a folder (default: the exported-model file in MODEL_DIR)"
    )
    parser.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="skip comparing the C++ evaluation with Keras/XGBoost predictions",
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of the generated check events")


def run(args: argparse.Namespace) -> int:
    from higgshunt.inference import export_model

    path = export_model(args.model_dir, args.output, check=args.check, seed=args.seed)
    print(f"written to {path}")
    return 0
