"""`higgshunt generate`: built-in samples from Pythia 8 and the parametrised detector response."""

from __future__ import annotations

import argparse

from higgshunt import resources
from higgshunt.cli.progress import add_progress_argument, progress
from higgshunt.ranges import positive_float, positive_int, seed

NAME = "generate"
HELP = "generate simulated samples and pseudo-data in the ATLAS Open Data ntuple format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default="samples",
        type=resources.config_file,
        help="samples config (YAML file, or the name of a shipped config; default: the shipped samples.yaml)",
    )
    parser.add_argument("--output", help="output directory (default: the config's `output`)")
    parser.add_argument(
        "--events",
        type=positive_int,
        help="events per sample after the generator filter (default: each process's `events` in the config)",
    )
    parser.add_argument(
        "--processes",
        nargs="+",
        metavar="NAME",
        help="only these processes (name or skim/name; default: all)",
    )
    parser.add_argument("--seed", type=seed, help="run seed (default: the config's `seed`)")
    parser.add_argument(
        "--jobs", type=positive_int, default=1, help="samples generated in parallel (default: %(default)s)"
    )
    parser.add_argument(
        "--lumi-fb",
        type=positive_float,
        nargs="+",
        metavar="L",
        help="pseudo-data luminosities in fb^-1 (default: the config's `lumi_fb`)",
    )
    parser.add_argument(
        "--format",
        choices=["2020", "2025"],  # generation.ntuple.LAYOUTS (not imported here: the CLI starts light)
        default="2025",
        help="ntuple layout of an ATLAS Open Data release: 2020 (TTree mini, MeV) or 2025 (TTree analysis, "
        "GeV, 2025e-13tev-beta names); default: %(default)s",
    )
    parser.add_argument("--force", action="store_true", help="regenerate samples that are already complete")
    add_progress_argument(parser)


def run(args: argparse.Namespace) -> int:
    from higgshunt.generation import generate, load_config

    manifest = generate(
        load_config(args.config),
        args.output,
        events=args.events,
        processes=args.processes,
        seed=args.seed,
        jobs=args.jobs,
        lumi_fb=args.lumi_fb,
        progress=progress(args),
        force=args.force,
        layout=args.format,
    )
    print(manifest.path)
    return 0
