"""`higgshunt evaluate`: score a table with a saved model directory (and a competitor) and report the
metrics."""

from __future__ import annotations

import argparse

from higgshunt.ranges import label_values

NAME = "evaluate"
HELP = "evaluate a trained model directory (and a competitor) on a table; write metrics.json, plots, summary"


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="trained model directory (written by higgshunt train)")
    parser.add_argument("--data", required=True, help="table: HDF5 (pandas), CSV(.gz) or ROOT file")
    parser.add_argument("--key", help="HDF5 table or ROOT tree name")
    parser.add_argument(
        "--output", required=True, help="output directory (a new one, or one higgshunt wrote)"
    )
    parser.add_argument("--label", help="label column (default: as in training)")
    parser.add_argument(
        "--signal-value",
        type=label_values,
        help="label value(s) of signal, number or string, comma-separated for several "
        "(default: as in training)",
    )
    parser.add_argument("--weight", help="event weight column (default: as in training)")
    parser.add_argument("--mass", help="mass column (default: as in training)")
    parser.add_argument("--drop-nonfinite", action="store_true", help="drop rows with NaN/inf features")
    parser.add_argument(
        "--competitor", help="competitor network (.keras, .h5, SavedModel dir or folder of them)"
    )
    parser.add_argument("--competitor-features", type=_names, help="competitor input columns, in its order")
    parser.add_argument("--no-plots", dest="plots", action="store_false", help="metrics only")


def run(args: argparse.Namespace) -> int:
    from higgshunt import learning

    competitor = None
    if args.competitor:
        competitor = {"path": args.competitor, "features": args.competitor_features or []}
    metrics = learning.evaluate(
        args.model,
        args.data,
        args.output,
        key=args.key,
        label=args.label,
        signal_value=args.signal_value,
        weight=args.weight,
        mass=args.mass,
        competitor=competitor,
        drop_nonfinite=args.drop_nonfinite,
        make_plots=args.plots,
    )
    print(learning.format_table(metrics))
    print(f"written to {args.output}")
    return 0
