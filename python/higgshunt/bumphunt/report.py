"""What the bump hunt reports: yields and expected significances per category, fits of the data, stack plots,
and the side-by-side table of the cut-based and ml selections."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from higgshunt.artifacts import category_histograms
from higgshunt.artifacts.documents import finite
from higgshunt.bumphunt.booking import CUT_BASED, as_array
from higgshunt.bumphunt.config import BumphuntConfig
from higgshunt.bumphunt.selection import Selection
from higgshunt.errors import ConfigError, FitError, InputError
from higgshunt.stats import asimov_significance, jensen_shannon

log = logging.getLogger(__name__)


def fit_categories(
    config: BumphuntConfig, directory: Path, categories: list[str], *, plots: bool, progress: bool
) -> dict[str, dict[str, Any]]:
    """Fit signal + background (higgshunt.fit) to the data of every category of the
    category histograms (`higgshunt.artifacts.category_histograms`) in `directory`.

    A fit that fails (no convergence, too few events) is recorded as {"error": message} with a warning, so
    one sparse category does not hide the others.
    """
    from higgshunt.fit import FitOptions, fit_histogram, save_plot

    settings = config.fit
    mass = config.mass
    fit_range = settings.range or (mass.low, mass.high)
    from_simulation = settings.signal_shape_from_simulation and settings.width is None
    results: dict[str, dict[str, Any]] = {}
    for category in tqdm(categories, desc="fits", unit="category", disable=not progress, file=sys.stderr):
        options = FitOptions(
            hist=category_histograms.histogram_spec(directory, category, "data"),
            mass_range=(float(fit_range[0]), float(fit_range[1])),
            signal=settings.signal,
            background=settings.background,
            signal_mass=settings.signal_mass,
            width=settings.width,
            signal_shape=category_histograms.histogram_spec(directory, category, "total_signal")
            if from_simulation
            else None,
            mass_window=settings.mass_window,
            seed=config.seed,
        )
        try:
            result, curves = fit_histogram(options)
        except (FitError, InputError, ConfigError) as exc:  # ConfigError: e.g. too few bins in fit.range
            log.warning("fit of the %s data failed: %s", category, exc)
            results[category] = {"error": str(exc)}
            continue
        if plots:
            save_plot(curves, result, options, directory / f"fit_{category}")
        results[category] = {
            **result.to_json(),
            "hist": category_histograms.histogram_spec(config.output, category, "data"),
            "options": {k: v for k, v in vars(options).items() if k not in ("hist", "signal_shape")},
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
    chosen: Mapping[str, Selection],
    fits: Mapping[str, dict[str, Any]],
    record: dict[str, Any],
) -> dict[str, Any]:
    """The content of summary.json.

    Keys: channel, lumi_fb, mass, window_gev, model; `selections` (per optimised selection: the lowest score
    kept `cut` (events with score >= cut pass), its `categories` with their score edges, expected signal,
    background and Asimov Z, from simulation only); `categories` (per category directory: `yields` per
    process and data (sum of weights and its error in the histogram range and in the window), `expected`
    counting in the window, `sculpting_jsd` for score selections (see `sculpting`), and `fit` of the data:
    the fit result's content or {"error": ...}); `significance`
    (per selection: expected Asimov from counting, expected from the fit's Asimov data, observed local with
    the mass fixed and floating); provenance. Infinite or undefined numbers are null.
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
        if name != CUT_BASED:
            entry["sculpting_jsd"] = sculpting(category, categories[CUT_BASED])
        if name in fits:
            entry["fit"] = fits[name]
        per_category[name] = entry
        significance[name] = _significances(entry)
    for name, choice in chosen.items():
        if len(choice.categories) > 1:
            significance[name] = {
                "expected_asimov": choice.significance,
                "combined_from": len(choice.categories),
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
                    "cut": choice.cut,
                    "expected_significance": choice.significance,
                    "categories": [vars(category) for category in choice.categories],
                    "optimised_on": "simulation",
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
    result = {"expected_asimov": entry["expected"]["significance_asimov"]}
    fit = entry.get("fit")
    if fit is not None and "error" not in fit:
        result["expected_fit"] = fit["significance_expected"]
        result["observed_mass_fixed"] = fit["significance_local"]["mass_fixed"]
        result["observed_mass_floating"] = fit["significance_local"]["mass_floating"]
    return result


def format_table(summary: dict[str, Any]) -> str:
    """The significances of every selection side by side, as plain text: expected signal and background in
    the window, expected Asimov Z from counting and from the fit, observed Z (mass fixed, floating), the
    background sculpting (JSD, score selections only) and whether the fit of the data converged."""
    header = (
        f"{'selection':<12} {'s (window)':>11} {'b (window)':>11} {'Z exp':>7} {'Z exp fit':>10} "
        f"{'Z obs':>7} {'Z obs float':>12} {'JSD':>6}  fit"
    )
    lines = [
        f"{summary['channel']} at {summary['lumi_fb']} fb^-1 ({summary.get('data_kind', 'data')})",
        header,
        "-" * len(header),
    ]
    for name, values in summary["significance"].items():
        category = summary["categories"].get(name, {})
        expected = category.get("expected", {})
        cells = [
            _number(expected.get("signal"), 11, ".2f"),
            _number(expected.get("background"), 11, ".2f"),
            _number(values.get("expected_asimov"), 7, ".2f"),
            _number(values.get("expected_fit"), 10, ".2f"),
            _number(values.get("observed_mass_fixed"), 7, ".2f"),
            _number(values.get("observed_mass_floating"), 12, ".2f"),
            _number(category.get("sculpting_jsd"), 6, ".3f"),
        ]
        fit = category.get("fit")
        status = "-" if fit is None else ("failed" if "error" in fit else "converged")
        label = name if "combined_from" not in values else f"{name}*"
        lines.append(f"{label:<12} " + " ".join(cells) + f"  {status}")
    if any("combined_from" in values for values in summary["significance"].values()):
        lines.append("* categories combined as sqrt(sum Z^2) (expected only)")
    lines.append("JSD: background mass shape passing vs failing the score selection (0 = no sculpting)")
    return "\n".join(lines)


def _number(value: float | None, width: int, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{'-':>{width}}"
    return f"{value:>{width}{spec}}"
