"""The background function of each bump-hunt category, chosen by the spurious-signal test on its simulation.

Per category, the simulated background (sum of weights per bin in the fit range, with its sums of squared
weights) is the template of `fit.spurious.spurious_signal_test`, the simulated signal gives the expected
signal and the width (`core_width`). Of the candidate functions (simplest first) the simplest that passes
the relaxed criterion (|S_spur| reduced by up to 2 of its MC-statistical uncertainties) is chosen; when none
passes, the one with the smallest reduced spurious signal relative to the fit uncertainty is used and the
record says it does not pass. The chosen function's largest |S_spur| is the spurious-signal systematic of
the category's workspace. With one candidate (a function set by hand) the same test measures its spurious
signal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from higgshunt.errors import ConfigError, FitError, InputError
from higgshunt.fit.spectrum import Spectrum
from higgshunt.fit.spurious import CRITERION, FunctionTest, core_width, spurious_signal_test
from higgshunt.fit.workspace import Channel, channel_from_histograms

log = logging.getLogger(__name__)


def choose_backgrounds(
    categories: Mapping[str, Mapping[str, Any]],
    kinds: Mapping[str, str],
    *,
    mass_range: tuple[float, float] | None,
    signal: str,
    candidates: Sequence[str],
) -> dict[str, dict[str, Any] | None]:
    """Per category (category -> {"data", process, ...} -> TH1): the record of `spurious_record`, None
    when the test cannot run (logged)."""
    return {
        name: spurious_record(
            channel_from_histograms(
                name,
                histograms,
                kinds,
                mass_range,
                lumi_uncertainty=0.0,
                cross_section_uncertainties={},
            ),
            signal,
            candidates,
        )
        for name, histograms in categories.items()
    }


def spurious_record(channel: Channel, signal: str, candidates: Sequence[str]) -> dict[str, Any] | None:
    """The spurious-signal test of `candidates` on the channel's simulated background and the choice (module
    docstring): {background (the choice), passes, events (its largest |S_spur|, the systematic),
    relative_to_uncertainty, relative_to_signal (reduced), mc_uncertainty (Delta_MC where |S_spur| is
    largest), template_dominated, template_events, template_effective_events, criterion, functions (one
    summary per candidate)}; None when it cannot be measured (no signal, a failed fit; logged)."""
    import ROOT

    signals = np.sum([t.counts for t in channel.templates if t.kind == "signal"], axis=0)
    backgrounds = [t for t in channel.templates if t.kind == "background"]
    counts = np.sum([t.counts for t in backgrounds], axis=0)
    sumw2 = np.sum([t.sumw2 for t in backgrounds], axis=0)
    template = Spectrum(f"{channel.name}/total_background", channel.edges, counts, "", sumw2=sumw2)
    try:
        width = core_width(Spectrum(f"{channel.name}/total_signal", channel.edges, signals, ""))
        result = spurious_signal_test(
            template,
            signal=signal,
            width=width,
            expected_signal=float(signals.sum()),
            candidates=tuple(candidates),
        )
    except (ConfigError, InputError, FitError, ROOT.std.exception) as exc:
        log.warning("category %s: no spurious signal measured (%s)", channel.name, exc)
        return None
    measured = [t for t in result.tests if np.isfinite(t.max_spurious)]
    if not measured:
        log.warning("category %s: no spurious signal measured (every fit failed)", channel.name)
        return None
    chosen = next((t for t in measured if t.passes), None) or min(
        measured, key=lambda t: t.max_relative_to_uncertainty
    )
    effective = float(counts.sum() ** 2 / sumw2.sum()) if sumw2.sum() > 0 else float("inf")
    log.info(
        "category %s: background function %s, spurious signal %.2f events (%s%s)",
        channel.name,
        chosen.background,
        chosen.max_spurious,
        "passes" if chosen.passes else f"no candidate of {list(candidates)} passes",
        "; the template's statistics dominate" if chosen.template_dominated else "",
    )
    worst = int(np.argmax(np.abs(chosen.spurious)))
    return {
        "background": chosen.background,
        "passes": chosen.passes,
        "events": chosen.max_spurious,
        "relative_to_uncertainty": chosen.max_relative_to_uncertainty,
        "relative_to_signal": chosen.relative_to_signal,
        "mc_uncertainty": chosen.mc_uncertainty[worst],
        "fit_uncertainty": chosen.uncertainty[worst],
        "template_dominated": chosen.template_dominated,
        "expected_signal": result.expected_signal,
        "width": result.width,
        "template_events": float(counts.sum()),
        "template_effective_events": effective,
        "criterion": CRITERION,
        "functions": [_summary(test) for test in result.tests],
    }


def _summary(test: FunctionTest) -> dict[str, Any]:
    return {
        "background": test.background,
        "max_spurious": test.max_spurious,
        "relative_to_uncertainty": test.max_relative_to_uncertainty,
        "relative_to_signal": test.relative_to_signal,
        "passes": test.passes,
        "template_dominated": test.template_dominated,
        "failed_fits": test.failed_fits,
    }
