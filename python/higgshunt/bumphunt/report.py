"""What the bump hunt reports: yields and expected significances per category, fits of the data, stack plots,
and the side-by-side table of the cut-based and ml selections."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from tqdm import tqdm

from higgshunt.artifacts import category_histograms
from higgshunt.artifacts.documents import finite
from higgshunt.bumphunt.booking import CUT_BASED, as_array, named
from higgshunt.bumphunt.config import BumphuntConfig
from higgshunt.bumphunt.pseudo_data import BACKGROUND_ONLY
from higgshunt.bumphunt.selection import SplitSelection
from higgshunt.errors import ConfigError, FitError, InputError
from higgshunt.stats import asimov_significance, jensen_shannon

log = logging.getLogger(__name__)


def fit_categories(
    config: BumphuntConfig,
    directory: Path,
    backgrounds: Mapping[str, str],
    *,
    plots: bool,
    progress: bool,
) -> dict[str, dict[str, Any]]:
    """Fit signal + background (higgshunt.fit) to the data of every category of the
    category histograms (`higgshunt.artifacts.category_histograms`) in `directory`, with the background
    function of each category in `backgrounds` (category -> function).

    Every fit first computes the pre-fit expected significance from the category's simulated signal and
    background (`z_expected`). With drawn pseudo-data the background-only set (`data_background_only`) is
    fitted too, as `<category>_background_only` (plots in fit_<category>_background_only/).
    A fit that fails (no convergence, too few events) is recorded as {"error": message} with a warning, so
    one sparse category does not hide the others.
    """
    from higgshunt.fit import FitOptions, fit_histogram, save_plot

    settings = config.fit
    mass = config.mass
    fit_range = settings.range or (mass.low, mass.high)
    from_simulation = settings.signal_shape_from_simulation and settings.width is None
    results: dict[str, dict[str, Any]] = {}
    fitted = [(category, "data", category) for category in backgrounds]
    if config.pseudo_data is not None:
        fitted += [(category, BACKGROUND_ONLY, f"{category}_background_only") for category in backgrounds]
    for category, data, label in tqdm(fitted, desc="fits", unit="fit", disable=not progress, file=sys.stderr):
        spec = partial(category_histograms.histogram_spec, directory, category)
        options = FitOptions(
            hist=spec(data),
            mass_range=(float(fit_range[0]), float(fit_range[1])),
            signal=settings.signal,
            background=backgrounds[category],
            signal_mass=settings.signal_mass,
            width=settings.width,
            signal_shape=spec("total_signal") if from_simulation else None,
            mass_window=settings.mass_window,
            # the global Z and the expectation (the same for both sets) with the data
            scan=settings.scan if data == "data" else None,
            toys=settings.toys,
            look_elsewhere=settings.look_elsewhere,
            seed=config.seed,
            expected_signal=spec("total_signal") if data == "data" else None,
            expected_background=spec("total_background") if data == "data" else None,
        )
        try:
            result, curves = fit_histogram(options)
        except (FitError, InputError, ConfigError) as exc:  # ConfigError: e.g. too few bins in fit.range
            log.warning("fit of the %s %s failed: %s", category, data, exc)
            results[label] = {"error": str(exc)}
            continue
        if plots:
            if data == BACKGROUND_ONLY:  # the file's data kind describes `data`, not this set
                curves = replace(curves, spectrum=replace(curves.spectrum, data_kind="pseudo_data"))
            save_plot(curves, result, options, directory / f"fit_{label}")
        results[label] = {
            **result.to_json(),
            "hist": category_histograms.histogram_spec(config.output, category, data),
            "options": {
                k: v
                for k, v in vars(options).items()
                if k not in ("hist", "signal_shape", "expected_signal", "expected_background")
            },
        }
    return results


def draw_stacks(directory: Path, categories: list[str], *, progress: bool) -> list[Path]:
    """`directory`/stack_<category>.png drawn by macros/plot_stack.C from the category
    histograms in `directory`."""
    from higgshunt.plotting import run_macro

    return [
        run_macro(
            "plot_stack",
            category_histograms.path(directory),
            category,
            output=directory / f"stack_{category}.png",
        )
        for category in tqdm(
            categories, desc="stack plots", unit="plot", disable=not progress, file=sys.stderr
        )
    ]


def yields(hist: Any, window: tuple[int, int]) -> dict[str, float]:
    """Sum of weights (and its error, from Sumw2) in the histogram range and in the window's bins
    [first, last] (ROOT numbering)."""
    import ctypes

    total_err, window_err = ctypes.c_double(0.0), ctypes.c_double(0.0)
    total = hist.IntegralAndError(1, hist.GetNbinsX(), total_err)
    in_window = hist.IntegralAndError(window[0], window[1], window_err)
    return {
        "sum_w": float(total),
        "error": float(total_err.value),
        "window_sum_w": float(in_window),
        "window_error": float(window_err.value),
    }


def summary(
    config: BumphuntConfig,
    categories: Mapping[str, Mapping[str, Any]],
    kinds: Mapping[str, str],
    chosen: Mapping[str, SplitSelection],
    fits: Mapping[str, dict[str, Any]],
    record: dict[str, Any],
    functions: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The content of summary.json.

    Keys: channel, lumi_fb, mass, window_gev, model; `selections` (per optimised selection: the lowest score
    kept `cut` (events with score >= cut pass), `method`, `chosen_on` and `measured_on` (which simulated
    events chose the cut and which measured it), `expected_significance` measured on the independent events
    and `expected_significance_choosing_events` (biased upward, for comparison), its `categories` with their
    score edges and the expected signal, background and Asimov Z of the measuring events, and `chosen`, the
    same on the choosing events); `categories` (per category directory: `yields` per
    process and data (sum of weights and its error in the histogram range and in the window), `expected`
    counting in the window, `sculpting_jsd` for score selections (see `sculpting`), and `fit` of the data:
    the fit result's content or {"error": ...}, and `fit_background_only` of background-only pseudo-data
    when drawn; `background_function`: the fit's background function and its spurious-signal test, from
    `functions`); `significance` (per selection: expected Asimov from counting, on the measuring half of the
    simulation for score selections, `expected_prefit` pre-fit from the fit's model on the simulation's Asimov
    data set, observed local with the mass fixed and floating, global when the fit scanned, local of the
    background-only pseudo-data; see `_significances`); provenance. Infinite or undefined numbers are null.
    """
    first, last = (config.mass.edge_index(edge) for edge in config.window)
    assert first is not None and last is not None
    window = (first + 1, last)
    per_category: dict[str, Any] = {}
    significance: dict[str, Any] = {}
    for name, category in categories.items():
        counted = {k: yields(category[f"total_{k}"], window) for k in ("signal", "background")}
        s, b = counted["signal"]["window_sum_w"], counted["background"]["window_sum_w"]
        entry: dict[str, Any] = {
            "yields": {process: yields(category[process], window) for process in ("data", *kinds)},
            "expected": {
                "signal": s,
                "background": b,
                "significance_asimov": float(asimov_significance(s, b)),
            },
        }
        if config.blind:  # the window's data are hidden; sum_w counts the sidebands only
            entry["yields"]["data"].update(window_sum_w=None, window_error=None, blinded=True)
        if name != CUT_BASED:
            entry["sculpting_jsd"] = sculpting(category, categories[CUT_BASED])
        if name in fits:
            entry["fit"] = fits[name]
        if f"{name}_background_only" in fits:
            entry["fit_background_only"] = fits[f"{name}_background_only"]
        if functions is not None and name in functions:
            entry["background_function"] = functions[name]
        per_category[name] = entry
        significance[name] = _significances(entry)
    for name, choice in chosen.items():
        # score selections: the expected Z of the events that did not choose the cut
        for category_name, measured in named(name, choice.measured):
            significance[category_name]["expected_asimov"] = measured.significance
        if len(choice.measured.categories) > 1:
            significance[name] = {
                "expected_asimov": choice.measured.significance,
                "combined_from": len(choice.measured.categories),
            }
    return finite(
        {
            "channel": config.channel,
            "lumi_fb": config.lumi_fb,
            "mass": {
                "feature": config.mass_feature,
                "bins": config.mass.bins,
                "low": config.mass.low,
                "high": config.mass.high,
                "title": config.mass_title,
            },
            "window_gev": list(config.window),
            "model": None
            if config.model is None
            else {
                "directory": str(config.model),
                "score": {
                    "column": config.score_column,
                    "bins": config.score.bins,
                    "low": config.score.low,
                    "high": config.score.high,
                },
            },
            "selections": {
                name: {
                    "cut": choice.measured.cut,
                    "method": choice.method,
                    "chosen_on": choice.chosen_on,
                    "measured_on": choice.measured_on,
                    "min_effective_events": config.optimisation.min_effective_events,
                    "expected_significance": choice.measured.significance,
                    "expected_significance_choosing_events": choice.chosen.significance,
                    "categories": [vars(category) for category in choice.measured.categories],
                    "chosen": [vars(category) for category in choice.chosen.categories],
                }
                for name, choice in chosen.items()
            },
            "categories": per_category,
            "significance": significance,
            "provenance": record,
        }
    )


def sculpting(category: Mapping[str, Any], cut_based: Mapping[str, Any]) -> float:
    """How much a score selection changes the background's mass shape: the Jensen-Shannon divergence (base 2,
    0 = same shape, 1 = disjoint) between the simulated background mass histogram passing the selection and
    the one failing it (the cut-based selection's minus the passing), over the histogram's range; the bump
    hunt's counterpart of learning's JSD50."""
    passing = as_array(category["total_background"])[1:-1]
    failing = as_array(cut_based["total_background"])[1:-1] - passing
    return jensen_shannon(passing, np.clip(failing, 0.0, None))


def _significances(entry: dict[str, Any]) -> dict[str, float]:
    """expected_asimov (counting in the window), expected_prefit (pre-fit: the fit's model on the Asimov data
    set of the simulation), observed local (mass fixed, floating) and global (when the fit scanned the mass)
    of the data, and observed_background_only (mass fixed) of background-only pseudo-data."""
    result = {"expected_asimov": entry["expected"]["significance_asimov"]}
    fit = entry.get("fit")
    if fit is not None and fit.get("z_expected") is not None:
        result["expected_prefit"] = fit["z_expected"]  # pre-fit: does not depend on the data
    if _trusted(fit):
        result["observed_mass_fixed"] = fit["significance_local"]["mass_fixed"]
        result["observed_mass_floating"] = fit["significance_local"]["mass_floating"]
        if fit.get("look_elsewhere"):
            result["observed_global"] = fit["look_elsewhere"]["significance_global"]
    background_only = entry.get("fit_background_only")
    if _trusted(background_only):
        result["observed_background_only"] = background_only["significance_local"]["mass_fixed"]
    return result


def _trusted(fit: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """A fit that failed, or failed its quality gates, gives no significance: the table shows it as failed."""
    return fit is not None and "error" not in fit and bool(fit.get("quality", {}).get("ok", True))


def format_table(summary: dict[str, Any]) -> str:
    """The significances of every selection side by side, as plain text: expected signal and background in
    the window; expected Z from counting in the window and pre-fit from the fit's model on the simulation's
    Asimov data set; observed local Z (mass fixed, floating), global Z (when the fit scanned the mass) and
    the local Z of background-only pseudo-data (when drawn); the fit's chi2/ndf, the background sculpting
    (JSD, score selections only) and whether the fit of the data passed its quality gates."""
    columns = (
        ("s (window)", 10, ".2f"),
        ("b (window)", 10, ".2f"),
        ("Z exp count", 11, ".2f"),
        ("Z exp fit", 9, ".2f"),
        ("Z obs", 6, ".2f"),
        ("Z obs float", 11, ".2f"),
        ("Z global", 8, ".2f"),
        ("Z b-only", 8, ".2f"),
        ("chi2/ndf", 8, ".2f"),
        ("JSD", 6, ".3f"),
        ("S_spur", 8, ".1f"),
    )
    header = (
        f"{'selection':<12} "
        + " ".join(f"{title:>{width}}" for title, width, _ in columns)
        + f" {'bkg fn':<10}  fit"
    )
    blinded = summary.get("blinded")
    lines = [
        f"{summary['channel']} at {summary['lumi_fb']} fb^-1 ({summary.get('data_kind', 'data')})"
        + (
            ""
            if not blinded
            else f", BLINDED: data in [{blinded[0]:g}, {blinded[1]:g}] GeV hidden, no data fit"
        ),
        header,
        "-" * len(header),
    ]
    for name, values in summary["significance"].items():
        category = summary["categories"].get(name, {})
        expected = category.get("expected", {})
        fit = category.get("fit")
        function = category.get("background_function") or {}
        spurious = function.get("spurious_signal")
        numbers = (
            expected.get("signal"),
            expected.get("background"),
            values.get("expected_asimov"),
            values.get("expected_prefit"),
            values.get("observed_mass_fixed"),
            values.get("observed_mass_floating"),
            values.get("observed_global"),
            values.get("observed_background_only"),
            None if fit is None else fit.get("chi2_ndf"),
            category.get("sculpting_jsd"),
            (spurious or {}).get("events"),
        )
        cells = [
            _number(value, width, spec) for value, (_, width, spec) in zip(numbers, columns, strict=True)
        ]
        status = "-" if fit is None else _fit_status(fit)
        background_only = category.get("fit_background_only")
        if background_only is not None and not _trusted(background_only):
            status += f"; b-only fit {_fit_status(background_only)}"
        label = name if "combined_from" not in values else f"{name}*"
        lines.append(f"{label:<12} " + " ".join(cells) + f" {_function(function, spurious):<10}  {status}")
    if any("combined_from" in values for values in summary["significance"].values()):
        lines.append("* categories combined as sqrt(sum Z^2) (expected only)")
    lines += [
        "Z exp count: counting in the window (score selections: the simulated events that did not choose the "
        "cut); Z exp fit: pre-fit, the fit's model on the simulation's Asimov data set",
        "Z obs: observed local (mass fixed; float: in its window); Z global: over a mass scan; Z b-only: "
        "observed local of background-only pseudo-data; chi2/ndf of the data fit",
        "JSD: background mass shape passing vs failing the score selection (0 = no sculpting)",
        "bkg fn: the fit's background function; S_spur: its spurious signal (events, largest |S| fitted to "
        "the simulated background), a systematic; ! no function passes the spurious-signal criterion; ~ the "
        "simulated template's statistics dominate the test (criterion relaxed by 2 MC-statistical sigma)",
    ]
    lines += [
        f"{name}: cut chosen on {selection['chosen_on']}, measured on {selection['measured_on']} "
        f"({selection['method']})"
        for name, selection in summary.get("selections", {}).items()
    ]
    return "\n".join(lines)


def _function(function: dict[str, Any], spurious: dict[str, Any] | None) -> str:
    """The background function's name, marked ! when it fails the spurious-signal criterion and ~ when the
    template's statistics dominate the test."""
    name = str(function.get("function", "-"))
    if spurious is None:
        return name
    return name + ("" if spurious["passes"] else "!") + ("~" if spurious["template_dominated"] else "")


def _fit_status(fit: dict[str, Any]) -> str:
    if "error" in fit:
        return "failed"
    problems = fit.get("quality", {}).get("problems", [])
    return f"failed quality gates: {'; '.join(problems)}" if problems else "converged"


def _number(value: float | None, width: int, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{'-':>{width}}"
    return f"{value:>{width}{spec}}"
