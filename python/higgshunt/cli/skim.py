"""`higgshunt skim`: select events and export features, weights, cutflows and histograms (=
python/run_skim.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from higgshunt import resources
from higgshunt.cli.progress import add_progress_argument, progress
from higgshunt.eventloop import releases
from higgshunt.eventloop.options import add_event_loop_arguments
from higgshunt.ranges import positive_int

NAME = "skim"
HELP = "skim ATLAS Open Data style ntuples into HDF5 tables, weighted cutflows and histograms"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        required=True,
        type=resources.config_file,
        help="channel config (YAML file, or the name of a shipped config), e.g. configs/hzz4l.yaml or hzz4l",
    )
    parser.add_argument("--output", default="outputs", help="output directory (default: outputs)")
    parser.add_argument("--samples", nargs="+", metavar="NAME", help="run only these samples")
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="files of sample NAME: path, glob, root:// or https:// URL (repeatable)",
    )
    add_dataset_arguments(parser)
    add_event_loop_arguments(parser)
    parser.add_argument(
        "--max-events",
        type=positive_int,
        help="read at most N events per sample (single-threaded); yields are those of the events read, not "
        "rescaled, and the cutflow says 'yields cover N of M events'",
    )
    parser.add_argument(
        "--force", action="store_true", help="rerun samples whose outputs are already complete"
    )
    parser.add_argument(
        "--skip-bad-files", action="store_true", help="continue past unreadable or malformed files"
    )
    add_progress_argument(parser)
    parser.add_argument(
        "--json", action="store_true", help="print only a JSON summary on stdout (outputs, samples, cutflows)"
    )


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """--dataset and the options that say where to find it (release, skim, protocol, metadata, periods)."""
    group = parser.add_argument_group("ATLAS Open Data datasets")
    group.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="[NAME=]KEY[,KEY]",
        help="a sample made of Open Data datasets: KEY is a DSID, a physics short name or 'data' "
        "(repeatable); files, cross-section and sum of weights (or the data periods' luminosity) come from "
        "the catalogue",
    )
    group.add_argument("--skim", help="the datasets' skim (default: the config's `skim`), e.g. exactly4lep")
    group.add_argument(
        "--release",
        choices=list(releases.RELEASES),
        help="the Open Data release: of --dataset (default: 2025e-13tev-beta), and the input schema of every "
        "sample (default: detected from each sample's first file)",
    )
    group.add_argument(
        "--protocol", choices=["root", "https", "eos"], default="root", help="file URLs (default: root)"
    )
    group.add_argument(
        "--metadata",
        metavar="FILE",
        help="the catalogue saved with atlasopenmagic.save_metadata, for offline use (default: "
        "$HIGGSHUNT_OPENDATA_METADATA, else online through atlasopenmagic)",
    )
    group.add_argument(
        "--period", nargs="+", metavar="P", help="only these data periods, e.g. data15_periodD"
    )


def _datasets(args: argparse.Namespace, skim_name: str | None) -> dict[str, Any]:
    if not args.dataset:
        return {}
    from higgshunt.errors import ConfigError
    from higgshunt.eventloop import datasets

    skim_name = args.skim or skim_name
    if not skim_name:
        raise ConfigError("--dataset: give --skim (the config names no skim)")
    source = datasets.catalogue(
        args.release or datasets.DEFAULT_RELEASE,
        args.metadata or os.environ.get("HIGGSHUNT_OPENDATA_METADATA"),
    )
    return datasets.resolve(
        args.dataset, skim=skim_name, source=source, protocol=args.protocol, periods=args.period
    )


def run(args: argparse.Namespace) -> int:
    from higgshunt.eventloop.executors import configure_jit

    configure_jit()
    from higgshunt import skim
    from higgshunt.eventloop.samples import parse_inputs

    config = skim.load(args.config)
    found = _datasets(args, config.skim)
    result = skim.run(
        config,
        output=args.output,
        samples=args.samples,
        inputs_by_name=parse_inputs(args.input),
        threads=args.threads,
        executor=args.executor,
        scheduler=args.scheduler,
        cluster=args.cluster,
        npartitions=args.npartitions,
        max_events=args.max_events,
        force=args.force,
        skip_bad_files=args.skip_bad_files,
        progress=progress(args),
        release=args.release,
        datasets_found=found,
    )
    if args.json:  # stdout holds this one document, whatever the run did
        summary = {
            "output": str(result.channel_dir),
            "processed": result.processed,
            "resumed": result.resumed,
            "bad_files": result.bad_files,
            "cutflows": {cutflow.sample: cutflow.to_dict()["rows"] for cutflow in result.cutflows},
            # samples read partially (--max-events): "yields cover N of M events (--max-events), not rescaled"
            "notes": {c.sample: c.partial_note for c in result.cutflows if c.partial_note},
            "compiled": result.compiled.as_dict() if result.compiled else None,
        }
        print(json.dumps(summary, indent=1))
    else:
        if result.cutflows:
            print(skim.format_table(result.cutflows))
        for what, names in (("processed", result.processed), ("complete already", result.resumed)):
            if names:
                print(f"{what}: {', '.join(names)}")
        if result.compiled:
            print(result.compiled.line())
        print(f"written to {result.channel_dir}")
    if result.bad_files:
        print(f"skipped {len(result.bad_files)} bad file(s):", file=sys.stderr)
        for path, reason in result.bad_files.items():
            print(f"  {path}: {reason}", file=sys.stderr)
    return 0
