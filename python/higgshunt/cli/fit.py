"""`higgshunt fit`: binned likelihood fit of a mass histogram (signal + background) with RooFit."""

from __future__ import annotations

import argparse

from higgshunt import configuration
from higgshunt.ranges import finite_float, integer, positive_float, seed

NAME = "fit"
HELP = "fit signal + background to a mass histogram with RooFit; write the fit result and the fit plot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    fit_options = configuration.schema("fit")["properties"]  # one source of the choices and defaults
    parser.add_argument("--hist", required=True, metavar="FILE.root:HISTNAME", help="the mass histogram")
    for option, what in (("signal", "signal shape"), ("background", "background shape")):
        parser.add_argument(
            f"--{option}",
            choices=fit_options[option]["enum"],
            default=fit_options[option]["default"],
            help=what,
        )
    parser.add_argument(
        "--mass-range",
        required=True,
        nargs=2,
        type=finite_float,
        metavar=("LO", "HI"),
        help="fit range, in the histogram's units",
    )
    parser.add_argument(
        "--signal-mass", type=finite_float, help="hypothesised mass (default: largest excess)"
    )
    parser.add_argument(
        "--width", type=positive_float, help="signal resolution, fixed (default: simulation or floating)"
    )
    parser.add_argument(
        "--signal-shape",
        metavar="FILE.root:HISTNAME",
        help="simulated signal histogram that fixes the width (and Crystal Ball tails)",
    )
    parser.add_argument(
        "--expected",
        nargs=2,
        metavar=("SIGNAL.root:HIST", "BACKGROUND.root:HIST"),
        help="simulated signal and background histograms: the pre-fit expected significance (Asimov) first",
    )
    parser.add_argument(
        "--mass-window",
        type=positive_float,
        help="half-width of the window where the mass floats (default: 3 widths)",
    )
    parser.add_argument(
        "--scan",
        nargs=2,
        type=finite_float,
        metavar=("LO", "HI"),
        help="mass scan: local p0 per mass and the global significance from background-only toys",
    )
    parser.add_argument("--step", type=positive_float, help="scan step (default: half the signal width)")
    parser.add_argument(
        "--toys",
        type=integer(minimum=0, maximum=fit_options["toys"]["maximum"]),
        default=fit_options["toys"]["default"],
        help="background-only toys of the scan's global significance (seeded by --seed)",
    )
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument(
        "--seed", type=seed, default=fit_options["seed"]["default"], help="random seed (recorded)"
    )
    parser.add_argument("--no-plots", dest="plots", action="store_false", help="the fit result only")


def run(args: argparse.Namespace) -> int:
    from higgshunt.fit import FitOptions, run_fit

    options = FitOptions(
        hist=args.hist,
        mass_range=tuple(args.mass_range),
        signal=args.signal,
        background=args.background,
        signal_mass=args.signal_mass,
        width=args.width,
        signal_shape=args.signal_shape,
        mass_window=args.mass_window,
        seed=args.seed,
        scan=tuple(args.scan) if args.scan else None,
        scan_step=args.step,
        toys=args.toys,
        expected_signal=args.expected[0] if args.expected else None,
        expected_background=args.expected[1] if args.expected else None,
    )
    result = run_fit(options, args.output, plots=args.plots)
    z = result.significance_local
    print(f"fit range used {result.mass_range[0]:g}-{result.mass_range[1]:g} (whole bins)")
    print(
        f"mass {result.mass:.3f} +- {result.mass_err:.3f}, signal {result.signal_yield:.1f} +- "
        f"{result.signal_yield_err:.1f}, background {result.background_yield:.1f}; Z local (observed) "
        f"{z['mass_floating']:.2f} (mass fixed {z['mass_fixed']:.2f}), Z post-fit Asimov "
        f"{result.significance_postfit_asimov:.2f}, chi2/ndf {result.chi2:.1f}/{result.ndf}"
    )
    if result.z_expected is not None:
        print(f"Z expected (pre-fit, Asimov of the simulation) {result.z_expected:.2f}")
    if not result.quality["ok"]:
        print(
            "FIT FAILED its quality gates (do not quote its significance): "
            + "; ".join(result.quality["problems"])
        )
    if result.look_elsewhere is not None:
        look = result.look_elsewhere
        print(
            f"scan: smallest local p0 {look['min_p0_local']:.3g} at {look['min_p0_mass']:.4g} (Z local "
            f"{look['z_local_max']:.2f}); global p0 {look['p0_global']:.3g}, Z global "
            f"{look['significance_global']:.2f} ({look['n_toys']} background-only toys)"
        )
    print(f"written to {args.output}")
    return 0
