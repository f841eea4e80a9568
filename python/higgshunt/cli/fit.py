"""`higgshunt fit`: binned likelihood fit of a mass histogram (signal + background) with RooFit."""

from __future__ import annotations

import argparse

from higgshunt import configuration
from higgshunt.errors import ConfigError
from higgshunt.ranges import finite_float, integer, positive_float, seed

POI = "mu"  # the signal strength of the bump hunt's workspaces

NAME = "fit"
HELP = (
    "fit signal + background to a mass histogram with RooFit (fit result, fit plot), or fit a pyhf "
    "workspace with pyhf and RooFit (--workspace)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    fit_options = configuration.schema("fit")["properties"]  # one source of the choices and defaults
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hist", metavar="FILE.root:HISTNAME", help="the mass histogram")
    source.add_argument(
        "--workspace",
        metavar="FILE.json",
        help="a pyhf workspace (e.g. the bump hunt's workspaces/<category>.json): fitted by pyhf and RooFit",
    )
    parser.add_argument(
        "--spurious-signal",
        action="store_true",
        help="spurious-signal test: --hist is a background-only template; fits signal + each background "
        "function at the --scan masses and chooses the simplest that passes",
    )
    parser.add_argument(
        "--expected-signal",
        type=positive_float,
        help="with --spurious-signal: expected signal events (default: the --signal-shape integral)",
    )
    parser.add_argument(
        "--poi", default=POI, help=f"with --workspace: the parameter of interest (default: {POI})"
    )
    for option, what in (("signal", "signal shape"), ("background", "background shape")):
        parser.add_argument(
            f"--{option}",
            choices=fit_options[option]["enum"],
            default=fit_options[option]["default"],
            help=f"{what} (default: %(default)s)",
        )
    parser.add_argument(
        "--mass-range",
        nargs=2,
        type=finite_float,
        metavar=("LO", "HI"),
        help="fit range, in the histogram's units (no default: required with --hist)",
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
        help="simulated signal histogram that fixes the width and Crystal Ball tails (default: none, "
        "the width floats unless --width is given)",
    )
    parser.add_argument(
        "--expected",
        nargs=2,
        metavar=("SIGNAL.root:HIST", "BACKGROUND.root:HIST"),
        help=(
            "simulated signal and background histograms: the pre-fit expected significance (Asimov) first "
            "(default: none computed)"
        ),
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
        help="mass scan: local p0 per mass and the global significance from background-only toys "
        "(default: no scan)",
    )
    parser.add_argument("--step", type=positive_float, help="scan step (default: half the signal width)")
    parser.add_argument(
        "--toys",
        type=integer(minimum=0, maximum=fit_options["toys"]["maximum"]),
        default=fit_options["toys"]["default"],
        help="background-only toys of the scan's global significance, seeded by --seed (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--look-elsewhere",
        choices=fit_options["look_elsewhere"]["enum"],
        default=fit_options["look_elsewhere"]["default"],
        help="global significance from the toys' largest q0 (toys), or from upcrossings of a low level "
        "counted on them (upcrossings, Gross-Vitells: a few toys suffice) (default: %(default)s)",
    )
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument(
        "--seed",
        type=seed,
        default=fit_options["seed"]["default"],
        help="random seed, recorded (default: %(default)s)",
    )
    parser.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        help="the fit result only (default: fit.png and fit.pdf as well)",
    )


def run(args: argparse.Namespace) -> int:
    from higgshunt.fit import FitOptions, run_fit

    if args.workspace is not None:
        if args.spurious_signal:
            raise ConfigError("--spurious-signal: needs a background template (--hist), not --workspace")
        return _run_workspace(args)
    if args.mass_range is None:
        raise ConfigError("--mass-range: required with --hist")
    if args.spurious_signal:
        return _run_spurious_signal(args)
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
        look_elsewhere=args.look_elsewhere,
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
    if result.counts is not None and result.counts["treatment"] != "poisson":
        print(
            f"counts: weighted histogram fitted as {result.counts['effective_events']:.1f} effective events "
            "(yields and errors in weighted events; Z and chi2 of the effective events)"
        )
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
            f"{look['significance_global']:.2f} ({look['method']}, {look['n_toys']} background-only toys)"
        )
    print(f"written to {args.output}")
    return 0


def _run_workspace(args: argparse.Namespace) -> int:
    from higgshunt.fit import run_workspace_fit

    result = run_workspace_fit(args.workspace, args.poi, args.output)
    for name in ("pyhf", "roofit"):
        fitted = result[name]
        print(
            f"{name:6s}: {args.poi} = {fitted['mu']:.4f} +- {fitted['mu_error']:.4f}, q0 {fitted['q0']:.4f}, "
            f"Z local (observed, asymptotic) {fitted['significance']:.3f}  [{fitted['software']}]"
        )
    print(f"relative difference of Z (RooFit vs pyhf): {result['significance_relative_difference']:.2e}")
    print(f"written to {args.output}")
    return 0


def _run_spurious_signal(args: argparse.Namespace) -> int:
    from higgshunt.fit import run_spurious_signal

    result = run_spurious_signal(
        args.hist,
        tuple(args.mass_range),
        args.output,
        signal=args.signal,
        signal_shape=args.signal_shape,
        width=args.width,
        expected_signal=args.expected_signal,
        scan=tuple(args.scan) if args.scan else None,
        step=args.step,
    )
    print(f"spurious signal (expected signal {result.expected_signal:.1f} events, width {result.width:.3g}):")
    for test in result.tests:
        print(
            f"  {test.background:9s} max |S_spur| {test.max_spurious:9.2f} = "
            f"{test.max_relative_to_uncertainty:6.1%} of its uncertainty, "
            f"{test.relative_to_signal:6.1%} of the signal: {'passes' if test.passes else 'fails'}"
        )
    print(f"chosen: {result.chosen or 'none passes'}; written to {args.output}")
    return 0
