"""The bump hunt's pseudo-data: per category, Poisson draws from a smooth description of the simulated
prediction (config `pseudo_data`).

Why at the histogram level and smooth: pseudo-data made of simulated events (as `higgshunt generate` draws its
data files, by resampling the simulation) reuse the events the models were trained on, so those events are
scored by a model that saw them, and their spectra copy the spikes a few heavy-weight simulated events make
(a fit of a smooth function to them fails its chi2 however good the function). A separate generation with
its own seed would need as many new events as the prediction holds. Drawing the bin contents instead needs
no event at all: no pseudo-data event is a simulated event, and the expectation is smooth.

Expectation per mass bin of a category:
- background, inside the fit range: the category's background function (the configured one, or the one the
  spurious-signal test chose with `fit.background: auto`) fitted to the category's simulated background
  histogram (`higgshunt.fit.smooth_background`, the same description the pre-fit expected
  significance uses); outside the fit range, where no fit looks, the simulated background itself (for the
  stack plots). If the function cannot be fitted, the simulated background everywhere (with a warning and
  `smooth: false` in summary.json);
- signal (when `pseudo_data.inject_signal`): the simulated signal histogram (out-of-fold model scores for
  score categories, as every simulated histogram of the bump hunt).
Contents are Poisson draws of those means, each category and set from its own stream of `pseudo_data.seed`.
Two sets per category: `data` (signal injected, or background-only when inject_signal is false) and
`data_background_only`. Pseudo-data therefore test the statistical procedure against a background the
function describes by construction; whether the function describes the simulated background is the
question of a spurious-signal test on the simulated template.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from higgshunt.bumphunt.booking import as_array
from higgshunt.bumphunt.config import BumphuntConfig
from higgshunt.errors import FitError

log = logging.getLogger(__name__)

BACKGROUND_ONLY = "data_background_only"
METHOD = (
    "Poisson draws per mass bin from the simulated signal (when injected) + the fit's background function "
    "fitted to the simulated background (inside the fit range; the simulated background outside it)"
)
INJECTED_TITLE = "Pseudo-data (signal injected)"
BACKGROUND_ONLY_TITLE = "Pseudo-data (background only)"


def data_kind(config: BumphuntConfig) -> str:
    """What the drawn `data` histograms are (a category_histograms data kind)."""
    assert config.pseudo_data is not None
    return "pseudo_data_injected" if config.pseudo_data.inject_signal else "pseudo_data"


def draw(
    config: BumphuntConfig, categories: Mapping[str, dict[str, Any]], backgrounds: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Replace every category's `data` by pseudo-data and add `data_background_only` (module docstring), the
    smooth background being the category's function in `backgrounds`; returns per category what was drawn
    (expected and drawn events, whether the background is smooth)."""
    assert config.pseudo_data is not None
    settings = config.pseudo_data
    record: dict[str, dict[str, Any]] = {}
    for name, category in categories.items():
        background, smooth = background_mean(config, name, category["total_background"], backgrounds[name])
        signal = np.clip(as_array(category["total_signal"])[1:-1], 0.0, None)
        injected = signal + background if settings.inject_signal else background
        sets = {
            "data": (injected, INJECTED_TITLE if settings.inject_signal else BACKGROUND_ONLY_TITLE),
            BACKGROUND_ONLY: (background, BACKGROUND_ONLY_TITLE),
        }
        record[name] = {"smooth_background": smooth, "expected_background": float(background.sum())}
        for which, (mean, title) in sets.items():
            counts = poisson(mean, settings.seed, f"{name}/{which}")
            category[which] = _histogram(
                category["total_background"], which, title, config.mass_title, counts
            )
            record[name][which] = {"expected": float(mean.sum()), "drawn": float(counts.sum())}
        log.info(
            "%s: pseudo-data %d events (expected %.1f), background-only %d (expected %.1f)",
            name,
            record[name]["data"]["drawn"],
            record[name]["data"]["expected"],
            record[name][BACKGROUND_ONLY]["drawn"],
            record[name][BACKGROUND_ONLY]["expected"],
        )
    return record


def poisson(mean: np.ndarray, seed: int, stream: str) -> np.ndarray:
    """Poisson draws of `mean` per bin from the random stream named `stream` of `seed`."""
    rng = np.random.default_rng([seed, zlib.crc32(stream.encode())])
    return rng.poisson(mean).astype(np.float64)


def background_mean(
    config: BumphuntConfig, category: str, hist: Any, function: str
) -> tuple[np.ndarray, bool]:
    """Expected background per mass bin: smooth (the background function `function`) inside the fit range,
    simulated outside (module docstring); and whether the smooth description was used."""
    from higgshunt.fit import Spectrum, smooth_background

    simulated = np.clip(as_array(hist)[1:-1], 0.0, None)
    edges = np.array([hist.GetXaxis().GetBinLowEdge(i) for i in range(1, hist.GetNbinsX() + 2)])
    low, high = config.fit.range or (edges[0], edges[-1])
    tolerance = 1e-9 * max(abs(low), abs(high), 1.0)
    inside = (edges[:-1] >= low - tolerance) & (edges[1:] <= high + tolerance)
    template = Spectrum(
        source=f"{category}/total_background",
        edges=edges[np.append(inside, False) | np.insert(inside, 0, False)],
        counts=simulated[inside],
        title=config.mass_title,
    )
    try:
        smooth = smooth_background(template, function)
    except FitError as exc:
        log.warning("%s: pseudo-data drawn from the simulated background as it is: %s", category, exc)
        return simulated, False
    result = simulated.copy()
    result[inside] = smooth
    return result, True


def _histogram(like: Any, name: str, title: str, axis: str, counts: np.ndarray) -> Any:
    """A detached TH1D binned as `like` with `counts` and Poisson errors sqrt(n)."""
    import ROOT

    hist = like.Clone(name)
    hist.SetDirectory(ROOT.nullptr)
    hist.Reset()
    hist.SetTitle(f"{title};{axis};")
    for i, value in enumerate(counts, start=1):
        hist.SetBinContent(i, value)
        hist.SetBinError(i, np.sqrt(value))
    hist.SetEntries(float(counts.sum()))
    return hist
