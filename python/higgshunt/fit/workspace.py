"""HistFactory models of one selection category, as pyhf JSON workspaces (the ecosystem's exchange format).

One channel per category, over the bins of the mass range:
- every simulated process is a sample whose nominal is its template (sum of weights per bin);
- signal samples carry the parameter of interest `mu` (normfactor, 1 = the simulated cross-section);
- every sample carries the luminosity (`lumi`, Gaussian constraint of the configured relative uncertainty)
  and the simulation's statistical uncertainty (`staterror`, one Gaussian-constrained gamma per bin shared
  by all samples, sigma = sqrt(sum of Sumw2) / sum of nominals: Barlow-Beeston lite);
- a process with a configured cross-section uncertainty r carries a `normsys` xsec_<process> (1 -+ r);
- the spurious signal S_spur of the chosen background function, when given, is a sample `spurious_signal`
  with nominal zero and a `histosys` spurious_signal_<channel> of +-S_spur distributed like the signal: a
  constrained signal-shaped yield theta * S_spur that the background function may fake.
The observations are the category's data histogram (data, pseudo-data or the Asimov set of the simulation).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from higgshunt.artifacts.workspaces import PYHF_VERSION, Workspaces
from higgshunt.errors import ConfigError, InputError

log = logging.getLogger(__name__)

POI = "mu"
LUMI = "lumi"
SPURIOUS = "spurious_signal"
MU_UPPER = 10.0  # the signal strength's upper bound
DEFAULT_LUMI_UNCERTAINTY = 0.021  # as the bump-hunt schema's default


@dataclass(frozen=True)
class Template:
    """A simulated process in the channel's bins.

    Attributes:
        name: process name (a sample of the workspace).
        kind: "signal" or "background".
        counts: sum of weights per bin.
        sumw2: sum of squared weights per bin.
        cross_section_uncertainty: relative uncertainty of its normalisation; None: no such systematic.
    """

    name: str
    kind: str
    counts: np.ndarray
    sumw2: np.ndarray
    cross_section_uncertainty: float | None = None


@dataclass(frozen=True)
class Channel:
    """What one category's workspace is made of.

    Attributes:
        name: the channel (category) name.
        edges: bin edges of the mass range exported.
        templates: the simulated processes.
        observed: the data per bin.
        lumi_uncertainty: relative luminosity uncertainty.
        spurious_signal: the background function's spurious signal, in events (None: not included).
    """

    name: str
    edges: np.ndarray
    templates: Sequence[Template]
    observed: np.ndarray
    lumi_uncertainty: float
    spurious_signal: float | None = None


def build(channel: Channel) -> dict[str, Any]:
    """The pyhf workspace (a JSON-able dict) of `channel` (module docstring).

    Negative bins of a template (negative event weights) are set to zero: a Poisson mean cannot be negative.
    Bins without simulated background and without data are left out (they add nothing to the likelihood).

    Raises:
        InputError: no signal or no background template, a NaN or negative sum of squared weights, data in
            a bin without simulated background, observations of the wrong length.
    """
    n_bins = len(channel.edges) - 1
    templates = [_checked(channel.name, t, n_bins) for t in channel.templates]
    signals = [t for t in templates if t.kind == "signal"]
    backgrounds = [t for t in templates if t.kind == "background"]
    if not signals or not backgrounds:
        raise InputError(f"channel {channel.name}: a workspace needs signal and background templates")
    if not 0 < channel.lumi_uncertainty < 1:
        raise InputError(
            f"channel {channel.name}: luminosity uncertainty {channel.lumi_uncertainty}, expected (0, 1)"
        )
    observed = np.asarray(channel.observed, dtype=np.float64)
    if observed.shape != (n_bins,) or not np.all(np.isfinite(observed)) or np.any(observed < 0):
        raise InputError(
            f"channel {channel.name}: the observations must be {n_bins} finite non-negative counts"
        )
    empty = _total(backgrounds) <= 0
    if np.any(empty & (observed > 0)):
        bad = int(np.flatnonzero(empty & (observed > 0))[0])
        raise InputError(
            f"channel {channel.name}: {observed[bad]:g} observed in the bin [{channel.edges[bad]:g}, "
            f"{channel.edges[bad + 1]:g}] where the simulation has no background; export another mass range"
        )
    if np.all(empty):
        raise InputError(f"channel {channel.name}: no simulated background in any bin")
    if np.any(empty):  # no background, no data: the bin adds nothing to the likelihood of a discovery
        log.info("channel %s: %d bin(s) without background or data left out", channel.name, int(empty.sum()))
    kept = ~empty
    templates = [replace(t, counts=t.counts[kept], sumw2=t.sumw2[kept]) for t in templates]
    signals = [t for t in templates if t.kind == "signal"]
    background = _total([t for t in templates if t.kind == "background"])
    observed = observed[kept]
    n_bins = int(kept.sum())
    samples = [_sample(channel.name, t) for t in templates]
    lumi = channel.lumi_uncertainty
    if channel.spurious_signal and _total(signals).sum() > 0:
        shape = _total(signals)
        delta = abs(channel.spurious_signal) * shape / shape.sum()
        samples.append(
            {
                "name": SPURIOUS,
                "data": [0.0] * n_bins,
                "modifiers": [
                    {
                        "name": f"{SPURIOUS}_{channel.name}",
                        "type": "histosys",
                        "data": {"hi_data": delta.tolist(), "lo_data": (-delta).tolist()},
                    }
                ],
            }
        )
    return {
        "channels": [{"name": channel.name, "samples": samples}],
        "observations": [{"name": channel.name, "data": observed.tolist()}],
        "measurements": [
            {
                "name": "measurement",
                "config": {
                    "poi": POI,
                    "parameters": [
                        {"name": POI, "bounds": [[mu_lower_bound(signals, background), MU_UPPER]]},
                        {
                            "name": LUMI,
                            "auxdata": [1.0],
                            "sigmas": [lumi],
                            "bounds": [[max(0.0, 1 - 5 * lumi), 1 + 5 * lumi]],
                            "inits": [1.0],
                        },
                    ],
                },
            }
        ],
        "version": PYHF_VERSION,
    }


def empty_bins(channel: Channel) -> list[list[float]]:
    """The bins [low, high] without simulated background, which the workspace leaves out."""
    background = _total([t for t in channel.templates if t.kind == "background"])
    return [[float(channel.edges[i]), float(channel.edges[i + 1])] for i in np.flatnonzero(background <= 0)]


def _total(templates: Sequence[Template]) -> np.ndarray:
    return np.sum([t.counts for t in templates], axis=0)


def mu_lower_bound(signals: Sequence[Template], background: np.ndarray) -> float:
    """The most negative signal strength that keeps 10% of the background in every bin (at most -10): a
    deficit can be fitted without a negative Poisson mean."""
    signal = _total(signals)
    ratios = background[signal > 0] / signal[signal > 0]
    return float(max(-MU_UPPER, -0.9 * ratios.min())) if ratios.size else -MU_UPPER


def _sample(channel: str, template: Template) -> dict[str, Any]:
    modifiers: list[dict[str, Any]] = [
        {"name": LUMI, "type": "lumi", "data": None},
        {"name": f"staterror_{channel}", "type": "staterror", "data": np.sqrt(template.sumw2).tolist()},
    ]
    if template.kind == "signal":
        modifiers.insert(0, {"name": POI, "type": "normfactor", "data": None})
    if template.cross_section_uncertainty:
        r = template.cross_section_uncertainty
        modifiers.append(
            {"name": f"xsec_{template.name}", "type": "normsys", "data": {"hi": 1 + r, "lo": 1 - r}}
        )
    return {"name": template.name, "data": template.counts.tolist(), "modifiers": modifiers}


def _checked(channel: str, template: Template, n_bins: int) -> Template:
    counts = np.asarray(template.counts, dtype=np.float64)
    sumw2 = np.asarray(template.sumw2, dtype=np.float64)
    where = f"channel {channel}, template {template.name}"
    if template.kind not in ("signal", "background"):
        raise InputError(f"{where}: kind {template.kind!r}, expected signal or background")
    if counts.shape != (n_bins,) or sumw2.shape != (n_bins,):
        raise InputError(f"{where}: {counts.size} bins, expected {n_bins}")
    if not (np.all(np.isfinite(counts)) and np.all(np.isfinite(sumw2))) or np.any(sumw2 < 0):
        raise InputError(f"{where}: NaN, infinite or negative sums of squared weights")
    r = template.cross_section_uncertainty
    if r is not None and not 0 <= r < 1:
        raise InputError(f"{where}: cross-section uncertainty {r}, expected a fraction in [0, 1)")
    if np.any(counts < 0):
        log.warning("%s: %d negative bin(s) set to zero", where, int(np.sum(counts < 0)))
    return Template(template.name, template.kind, np.clip(counts, 0.0, None), sumw2, r)


def channel_from_histograms(
    name: str,
    histograms: Mapping[str, Any],
    kinds: Mapping[str, str],
    mass_range: tuple[float, float] | None,
    *,
    lumi_uncertainty: float,
    cross_section_uncertainties: Mapping[str, float],
    spurious_signal: float | None = None,
) -> Channel:
    """The channel of one category's ROOT histograms ("data" and one TH1 per process, named in `kinds`),
    restricted to the whole bins inside `mass_range` (None: the whole histogram)."""
    data = histograms["data"]
    axis = data.GetXaxis()
    edges = np.array([axis.GetBinLowEdge(i) for i in range(1, data.GetNbinsX() + 2)])
    first, last = 0, len(edges) - 1
    if mass_range is not None:
        tolerance = 1e-9 * max(abs(edges[0]), abs(edges[-1]), 1.0)
        first = int(np.searchsorted(edges, mass_range[0] - tolerance))
        last = int(np.searchsorted(edges, mass_range[1] + tolerance, side="right")) - 1
    bins = slice(first, last)

    def contents(hist: Any) -> np.ndarray:
        return np.array([hist.GetBinContent(i + 1) for i in range(len(edges) - 1)])[bins]

    def sumw2(hist: Any) -> np.ndarray:
        return np.array([hist.GetBinError(i + 1) ** 2 for i in range(len(edges) - 1)])[bins]

    templates = [
        Template(
            process,
            kind,
            contents(histograms[process]),
            sumw2(histograms[process]),
            cross_section_uncertainties.get(process),
        )
        for process, kind in kinds.items()
    ]
    return Channel(
        name=name,
        edges=edges[first : last + 1],
        templates=templates,
        observed=contents(data),
        lumi_uncertainty=lumi_uncertainty,
        spurious_signal=spurious_signal,
    )


def category_workspaces(
    categories: Mapping[str, Mapping[str, Any]],
    kinds: Mapping[str, str],
    *,
    mass_range: tuple[float, float] | None,
    systematics: Mapping[str, Any],
    data_kind: str,
    lumi_fb: float | None,
    blinded: bool,
    provenance: dict[str, Any],
    spurious: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> Workspaces:
    """One workspace per category of a bump hunt (category -> {"data", process, ...} -> TH1).

    `systematics` is the bump-hunt config's `systematics` ({lumi, cross_sections, spurious_signal}). With
    `systematics.spurious_signal` (default true), the spurious signal of each category's background function
    in `spurious` (category -> a `fit.background_choice.spurious_record`, None: not measured) is included.
    Blinded data (window
    bins emptied) are replaced by the Asimov data set of the simulation, and the index says so. A category
    whose templates cannot make a workspace (e.g. a bin without simulated background) is listed as skipped,
    with the reason.

    Raises:
        ConfigError: a cross-section uncertainty for a process that is not in the bump hunt.
    """
    cross_sections = dict(systematics.get("cross_sections", {}))
    unknown = sorted(set(cross_sections) - set(kinds))
    if unknown:
        raise ConfigError(
            f"systematics.cross_sections: {unknown} are not processes of the bump hunt ({sorted(kinds)})"
        )
    lumi_uncertainty = float(systematics.get("lumi", DEFAULT_LUMI_UNCERTAINTY))
    specs: dict[str, dict[str, Any]] = {}
    channels: dict[str, dict[str, Any]] = {}
    for category, histograms in categories.items():
        channel = channel_from_histograms(
            category,
            histograms,
            kinds,
            mass_range,
            lumi_uncertainty=lumi_uncertainty,
            cross_section_uncertainties=cross_sections,
        )
        measured = (spurious or {}).get(category) if systematics.get("spurious_signal", True) else None
        if measured is not None:
            channel = replace(channel, spurious_signal=measured["events"])
        if blinded:
            channel = replace(channel, observed=_total(channel.templates))
        try:
            specs[category] = build(channel)
        except InputError as exc:
            log.warning("no workspace for the category %s: %s", category, exc)
            channels[category] = {"skipped": str(exc)}
            continue
        channels[category] = {
            "data_kind": data_kind,
            "blinded": blinded,
            "mass_range": [float(channel.edges[0]), float(channel.edges[-1])],
            "lumi_fb": lumi_fb,
            "lumi_uncertainty": lumi_uncertainty,
            "cross_section_uncertainties": cross_sections,
            "spurious_signal": measured["events"] if measured else None,
            "spurious_signal_test": dict(measured) if measured else None,
            "bins_left_out": empty_bins(channel),
        }
    return Workspaces(specs=specs, channels=channels, provenance=provenance)
