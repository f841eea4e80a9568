"""`higgshunt fit`: a signal + background binned likelihood fit of one mass histogram, with its significances.

Sequence (all fits are extended binned likelihood fits with bin-integrated pdfs, Minuit2):
1. the signal shape from simulation, if given: the signal pdf fitted to it, then width (and tails) fixed;
2. background only (n_signal = 0);
3. signal + background with the mass floating in a window (several starting masses, lowest minimum kept;
   redone with n_signal >= 0 if the signal runs to its negative bound);
4. signal + background with the mass fixed (at --signal-mass, or at the fitted mass); if it fails, again from
   no signal, then with n_signal >= 0 (a deficit so deep that the expectation vanishes; q0 is 0 either way);
5. both hypotheses on the Asimov dataset of the fitted signal + background model, mass fixed.
Any fit that does not converge (status != 0) stops everything with FitError; nothing is written.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from higgshunt.artifacts import fit_result
from higgshunt.artifacts.fit_result import FitRecord, FitResult
from higgshunt.errors import FitError, InputError
from higgshunt.fit import goodness, weights
from higgshunt.fit import likelihood as lk
from higgshunt.fit.expected import (
    Expected,
    default_width,
    expected_significance,
    fit_signal_shape,
    require_converged,
)
from higgshunt.fit.goodness import CHI2_P_MIN
from higgshunt.fit.models import SpectrumModel, build, pdf_values
from higgshunt.fit.options import FitOptions, validate
from higgshunt.fit.plotting import FitCurves, save_plot, save_scan_plot
from higgshunt.fit.scan import mass_scan, scan_masses
from higgshunt.fit.spectrum import Spectrum, parse_spec, read_spectrum
from higgshunt.outputs import atomic_output
from higgshunt.provenance import collect

log = logging.getLogger(__name__)
T = TypeVar("T")

WINDOW_WIDTHS = 3.0  # default half-width of the floating-mass window, in signal widths
_STARTS = (0.0, -1.0, 1.0, -2.0, 2.0)  # starting masses of the floating fit, in widths from the first guess


def _largest_excess(model: SpectrumModel, spectrum: Spectrum) -> float:
    """Mass of the largest excess of the data over the background-only fit, summed over +-1 width."""
    expected = lk.expected_counts(model, model.background, model.n_background.getVal())
    residual = spectrum.counts - expected
    width = model.width.getVal()
    centers = spectrum.centers
    lo, hi = spectrum.edges[0] + width, spectrum.edges[-1] - width
    candidates = [c for c in centers if lo <= c <= hi] or list(centers)
    return max(candidates, key=lambda c: float(residual[np.abs(centers - c) <= width].sum()))


def _better(candidate: lk.Minimum, model: SpectrumModel, best: tuple[lk.Minimum, lk.Snapshot]) -> bool:
    """An excess beats a deficit (the discovery q0 is the largest in the window), then the lower NLL wins."""
    excess, best_excess = model.n_signal.getVal() > 0, best[1]["n_signal"][0] > 0
    return excess > best_excess or (excess == best_excess and candidate.nll < best[0].nll)


def _floating_mass_fit(
    model: SpectrumModel, nll: Any, start: float, background_only: lk.Snapshot
) -> tuple[lk.Minimum, lk.Snapshot]:
    """Signal + background fits from several starting masses; the best (see `_better`) is kept."""
    lo, hi = model.mass.getMin(), model.mass.getMax()
    width = model.width.getVal()
    best: tuple[lk.Minimum, lk.Snapshot] | None = None
    last: lk.Minimum | None = None
    for offset in _STARTS:
        mass = start + offset * width
        if not lo <= mass <= hi:
            continue
        lk.restore(model, background_only)
        model.mass.setConstant(False)
        model.mass.setVal(mass)
        model.n_signal.setVal(max(1.0, 0.05 * model.n_background.getVal()))
        last = lk.minimize(nll, "signal+background (mass floating)")
        if last.status == 0 and (best is None or _better(last, model, best)):
            best = (last, lk.snapshot(model))
    if best is None:
        assert last is not None
        require_converged(last)
    assert best is not None
    return best


_AT_LIMIT = 1e-3  # a free parameter within this fraction of its range from an edge is "at its limit"
SIGNAL_COMPATIBLE_WITH_ZERO = 2.0  # |n_signal| below this many errors: no signal, the mass is undetermined


def fit_histogram(options: FitOptions) -> tuple[FitResult, FitCurves]:
    """Run the fits of `options` (module docstring); nothing is written.

    Raises:
        ConfigError: a bad option value. InputError: a missing file or histogram, an empty histogram.
        FitError: a fit that does not converge, or any error RooFit raises (named with the histogram).
    """
    import ROOT

    try:
        return _fit_histogram(options)
    except ROOT.std.exception as error:  # RooFit's C++ exceptions, e.g. a value outside a narrowed range
        raise FitError(
            f"{options.hist}: RooFit failed in the {options.signal} + {options.background} fit "
            f"({str(error).splitlines()[0] if str(error) else type(error).__name__}); try --signal-mass, "
            "a narrower --mass-range, another --background or a fixed --width"
        ) from error


def _quality_problems(
    model: SpectrumModel,
    best: lk.Snapshot,
    main: lk.Minimum,
    chi2: float,
    ndf: int,
    p_value: goodness.PValue,
) -> tuple[list[str], list[str]]:
    """Why the signal + background fit cannot be trusted (empty when it can): a free parameter at a limit, a
    chi2 p-value (Baker-Cousins, `goodness.chi2_p_value`) below CHI2_P_MIN, a failed fit or a covariance
    matrix that is not accurate; and notes on what was looked at and not counted as a problem.

    A parameter whose lower bound is a physical boundary (`SpectrumModel.nonnegative`, the Bernstein
    coefficients' 0) is not at a limit at that bound. The fitted mass at the edge of its floating window
    is, unless the fitted signal is compatible with none (|n_signal| < SIGNAL_COMPATIBLE_WITH_ZERO errors):
    without a signal the mass is undetermined and wanders to an edge, which says nothing about the fit (the
    background-only pseudo-data); the fixed-mass significance, at the hypothesis, is unaffected, and a note
    says so."""
    problems, notes = [], []
    if main.status != 0:
        problems.append(f"MINUIT status {main.status}")
    if main.covariance_quality < 3:
        problems.append(f"covariance not accurate (quality {main.covariance_quality} < 3)")
    exempt = {id(p) for p in model.nonnegative}
    n_signal, n_signal_error, _ = best["n_signal"]
    no_signal = abs(n_signal) < SIGNAL_COMPATIBLE_WITH_ZERO * n_signal_error
    for p in model.parameters():
        value, _, constant = best[p.GetName()]
        lo, hi = p.getMin(), p.getMax()
        if not constant and math.isfinite(lo) and math.isfinite(hi):
            margin = _AT_LIMIT * (hi - lo)
            # A Bernstein coefficient at 0 is a legitimate shape (the background vanishing at an edge).
            at_lower = value - lo < margin and id(p) not in exempt
            if not (at_lower or hi - value < margin):
                continue
            text = f"parameter {p.GetName()} = {value:.4g} at its limit [{lo:.4g}, {hi:.4g}]"
            if p.GetName() == model.mass.GetName() and no_signal:
                notes.append(
                    f"{text}: the fitted signal {n_signal:.3g} +- {n_signal_error:.3g} is compatible with "
                    "none, so the mass is undetermined (not a failure; floating-mass Z not meaningful)"
                )
            else:
                problems.append(text)
    if ndf > 0 and p_value.value < CHI2_P_MIN:
        problems.append(
            f"chi2/ndf {chi2:.1f}/{ndf} (p-value {p_value.value:.3g} < {CHI2_P_MIN}, {p_value.method})"
        )
    if p_value.note:
        notes.append(p_value.note)
    return problems, notes


def _fit_histogram(options: FitOptions) -> tuple[FitResult, FitCurves]:
    import ROOT

    validate(options)
    spectrum, count_scale = weights.effective_events(read_spectrum(options.hist, options.mass_range))
    lo, hi = float(spectrum.edges[0]), float(spectrum.edges[-1])
    expected = _expected(options, (lo, hi))  # before the data are fitted: a pre-fit number
    shape = read_spectrum(options.signal_shape, (lo, hi)) if options.signal_shape else None
    ROOT.RooRandom.randomGenerator().SetSeed(options.seed)
    start = options.signal_mass if options.signal_mass is not None else 0.5 * (lo + hi)
    width, width_range = default_width(spectrum, options.width)
    with lk.quiet_roofit():
        model = build(
            spectrum,
            options.signal,
            options.background,
            mass=start,
            mass_window=(lo, hi),
            width=width,
            width_range=width_range,
        )
        fits: list[lk.Minimum] = []
        if shape is not None:
            simulated = fit_signal_shape(model, shape)
            start = options.signal_mass if options.signal_mass is not None else simulated
        elif options.width is not None:
            model.width.setConstant(True)
        model.mass.setVal(start)
        model.mass.setConstant(True)  # the mass plays no role without signal
        nll = lk.create_nll(model, model.data)
        first = require_converged(lk.fit_background_only(model, nll, "background-only"))
        fits.append(first)
        background_only = lk.snapshot(model)
        if options.signal_mass is None and shape is None:
            start = _largest_excess(model, spectrum)
        half = (
            options.mass_window if options.mass_window is not None else WINDOW_WIDTHS * model.width.getVal()
        )
        window = (max(lo, start - half), min(hi, start + half))
        model.mass.setRange(*window)
        model.mass.setConstant(False)
        main, best = _floating_mass_fit(model, nll, start, background_only)
        if _at_lower_bound(model.n_signal, best["n_signal"][0]):
            # a deficit so deep that the expectation vanishes somewhere: the one-sided q0 is 0 for any
            # negative yield, so the search for an excess continues with n_signal >= 0
            main, best = _with_nonnegative_signal(
                model, lambda: _floating_mass_fit(model, nll, start, background_only)
            )
        fits.append(main)
        if min(abs(best["mass"][0] - edge) for edge in window) < 0.01 * model.width.getVal():
            log.warning(
                "the fitted mass %.4g is at the edge of its window [%.4g, %.4g]; its error is not "
                "meaningful (widen --mass-window or give --signal-mass)",
                best["mass"][0],
                *window,
            )
        n_free = sum(1 for p in model.parameters() if not best[p.GetName()][2])

        # A background-only fit from the signal fit's background shape guards against a worse local minimum.
        lk.restore(model, best)
        model.mass.setConstant(True)
        retry = lk.fit_background_only(model, nll, "background-only (second start)")
        fits.append(retry)
        nll_background = first.nll
        if retry.status == 0 and retry.nll < first.nll:
            nll_background, background_only = retry.nll, lk.snapshot(model)

        fixed_mass = options.signal_mass if options.signal_mass is not None else best["mass"][0]
        lk.restore(model, best)
        model.mass.setVal(fixed_mass)
        model.mass.setConstant(True)
        fixed = lk.minimize(nll, "signal+background (mass fixed)")
        if fixed.status != 0:  # e.g. from a floating fit that ran to a window edge: start from no signal
            lk.restore(model, background_only)
            model.mass.setVal(fixed_mass)
            model.mass.setConstant(True)
            model.n_signal.setVal(0.0)
            model.n_signal.setConstant(False)
            fixed = lk.minimize(nll, "signal+background (mass fixed, second start)")
        if fixed.status != 0:
            fixed = _fit_without_negative_signal(model, nll)
        fits.append(require_converged(fixed))
        q0_fixed = lk.q0(nll_background, fixed.nll, model.n_signal.getVal())

        lk.restore(model, best)
        q0_floating = lk.q0(nll_background, main.nll, model.n_signal.getVal())
        expected_z = _asimov_significance(model, best, fits)

        lk.restore(model, best)
        curves = _curves(model, spectrum, background_only)
        lk.restore(model, best)
        chi2, chi2_pearson, ndf = goodness.baker_cousins_chi2(spectrum.counts, curves.expected, n_free)
        p_value = goodness.chi2_p_value(model, best, curves.expected, chi2, ndf, n_free, seed=options.seed)
        problems, notes = _quality_problems(model, best, main, chi2, ndf, p_value)
        scan = None
        if options.scan is not None:
            masses = scan_masses(options.scan, options.scan_step, (lo, hi), model.width.getVal())
            scan = mass_scan(model, masses, options.toys, options.seed, options.look_elsewhere)
    for problem in problems:
        log.warning("%s: fit quality: %s", options.hist, problem)
    parameters = {name: {"value": v, "error": e, "constant": c} for name, (v, e, c) in best.items()}
    result = FitResult(
        mass=best["mass"][0],
        mass_err=best["mass"][1],
        width=best["width"][0],
        width_err=best["width"][1],
        signal_yield=best["n_signal"][0],
        signal_yield_err=best["n_signal"][1],
        background_yield=best["n_background"][0],
        background_yield_err=best["n_background"][1],
        significance_local={
            "mass_floating": lk.z_from_q0(q0_floating),
            "mass_fixed": lk.z_from_q0(q0_fixed),
            "q0_mass_floating": q0_floating,
            "q0_mass_fixed": q0_fixed,
        },
        significance_postfit_asimov=expected_z,
        z_expected=expected.z if expected is not None else None,
        expected=expected.to_json() if expected is not None else None,
        mass_window=window,
        fixed_mass=float(fixed_mass),
        chi2=chi2,
        chi2_pearson=chi2_pearson,
        ndf=ndf,
        chi2_ndf=chi2 / ndf if ndf > 0 else float("nan"),
        status=main.status,
        covariance_quality=main.covariance_quality,
        fits={m.name: m.to_json() for m in fits},
        mass_range=(lo, hi),
        quality={"ok": not problems, "problems": problems, "notes": notes},
        scan=scan.points if scan is not None else None,
        look_elsewhere=scan.look_elsewhere if scan is not None else None,
        parameters=parameters,
        counts=weights.describe(spectrum, count_scale),
    )
    return weights.to_weighted(result, curves, count_scale)


def _at_lower_bound(parameter: Any, value: float) -> bool:
    return bool(value - parameter.getMin() < _AT_LIMIT * (parameter.getMax() - parameter.getMin()))


def _with_nonnegative_signal(model: SpectrumModel, fit: Callable[[], T]) -> T:
    """`fit()` with n_signal >= 0, for data whose deficit pulls the signal so negative that the model's
    expectation reaches zero (its lower bound, or a MINUIT failure; e.g. no event where the signal sits).
    The discovery q0 is one-sided, 0 for any negative yield, so the bound leaves it exact."""
    low = model.n_signal.getMin()
    model.n_signal.setMin(0.0)
    model.n_signal.setVal(0.0)
    try:
        return fit()
    finally:
        model.n_signal.setMin(low)


def _fit_without_negative_signal(model: SpectrumModel, nll: Any) -> lk.Minimum:
    """The fixed-mass fit with n_signal >= 0 (`_with_nonnegative_signal`)."""
    return _with_nonnegative_signal(
        model, lambda: lk.minimize(nll, "signal+background (mass fixed, signal >= 0)")
    )


def _expected(options: FitOptions, fit_range: tuple[float, float]) -> Expected | None:
    """The pre-fit expected significance from the simulated templates of `options`, if given; None (with a
    warning) when they give none (e.g. no simulated signal in the fit range), which does not stop the fit."""
    if options.expected_signal is None or options.expected_background is None:
        return None
    try:
        signal, background = (
            read_spectrum(spec, fit_range) for spec in (options.expected_signal, options.expected_background)
        )
        return expected_significance(
            signal,
            background,
            signal=options.signal,
            background=options.background,
            mass=options.signal_mass,
            width=options.width,
        )
    except (InputError, FitError) as exc:
        log.warning("%s: no expected significance: %s", options.hist, exc)
        return None


def _asimov_significance(model: SpectrumModel, best: lk.Snapshot, fits: list[lk.Minimum]) -> float:
    """Asimov Z of the fitted model (mass fixed at its fitted value); 0 when the fitted yield is not positive.

    The Asimov dataset is made from the fitted parameters, so they are its signal + background maximum
    likelihood estimate: that NLL is evaluated, not fitted (a fit from its own minimum can only fail on
    parameters sitting at a boundary). The background-only hypothesis is fitted.
    """
    if best["n_signal"][0] <= 0:
        return 0.0
    lk.restore(model, best)
    model.mass.setConstant(True)
    data, hist = lk.asimov_data(model)
    nll = lk.create_nll(model, data)
    nll_signal = float(nll.getVal())
    background = require_converged(lk.fit_background_only(model, nll, "Asimov background-only"))
    fits.append(background)
    del hist
    return lk.z_from_q0(lk.q0(background.nll, nll_signal, best["n_signal"][0]))


def _curves(model: SpectrumModel, spectrum: Spectrum, background_only: lk.Snapshot) -> FitCurves:
    n_total = model.n_signal.getVal() + model.n_background.getVal()
    expected = lk.expected_counts(model, model.model, n_total)
    grid = np.linspace(spectrum.edges[0], spectrum.edges[-1], 400)
    per_bin = float(np.median(spectrum.widths))  # curves in events per (typical) bin
    total = n_total * per_bin * pdf_values(model.model, model.x, grid)
    background = model.n_background.getVal() * per_bin * pdf_values(model.background, model.x, grid)
    lk.restore(model, background_only)
    only = model.n_background.getVal() * per_bin * pdf_values(model.background, model.x, grid)
    return FitCurves(
        spectrum=spectrum,
        expected=expected,
        grid=grid,
        total=total,
        background=background,
        background_only=only,
    )


def run_fit(options: FitOptions, output: str | Path, *, plots: bool = True) -> FitResult:
    """Fit (see `fit_histogram`) and write the folder `output` whole: the fit result
    (`higgshunt.artifacts.fit_result`) and, with `plots`, fit.png and fit.pdf.

    Raises:
        as `fit_histogram`; OutputError: `output` cannot be written, is a folder higgshunt did not write or
            holds an input histogram file.
    """
    result, curves = fit_histogram(options)
    inputs = [parse_spec(spec)[0] for spec in (options.hist, options.signal_shape) if spec]
    record = FitRecord(
        result=result,
        inputs=dataclasses.asdict(options),
        provenance=collect(dataclasses.asdict(options)),
    )
    with atomic_output(output, inputs=inputs) as tmp:
        tmp.mkdir()
        if plots:
            save_plot(curves, result, options, tmp)
            if result.scan is not None:
                save_scan_plot(result, curves.spectrum, tmp)
        fit_result.save(tmp, record)
    log.info("fit written to %s", output)
    return result
