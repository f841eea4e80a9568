"""Score cuts chosen on simulation only: the expected Asimov significance of the signal in the mass window.

The inputs are the simulated signal and background yields in the mass window per score bin (under- and
overflow included), summed over processes. A selection is a set of contiguous score intervals ("categories")
starting at bin edges, the highest reaching to the overflow; events below the lowest edge are dropped.
Categories are combined as Z = sqrt(sum Z_i^2). The best set is found exactly by dynamic programming over
the bin edges.
No data enters here, by construction: the functions see simulated yields only.

The maximum over many cuts is biased upward on the events that chose it (it picks their upward fluctuations),
so `optimise` runs on one part of the simulation and `measure` reports the chosen intervals' significance on
an independent part. An interval whose background is carried by a few heavy-weight events is refused: its
effective number of simulated events (sum w)^2 / sum w^2 must reach `min_effective_events`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from higgshunt.errors import InputError
from higgshunt.stats import asimov_significance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Category:
    """One score interval [first_bin, last_bin] (bin indices of the score histogram, 0 = underflow).

    Attributes:
        low: the score cut (lower edge); -inf when the interval starts at the underflow.
        high: the upper edge; inf for the highest category.
        signal, background: expected yields in the mass window.
        significance: their Asimov Z.
    """

    first_bin: int
    last_bin: int
    low: float
    high: float
    signal: float
    background: float
    significance: float


@dataclass(frozen=True)
class Selection:
    """The chosen categories (ascending in score) and their combined Asimov significance."""

    categories: tuple[Category, ...]

    @property
    def significance(self) -> float:
        return math.sqrt(sum(category.significance**2 for category in self.categories))

    @property
    def cut(self) -> float:
        """The lowest score kept."""
        return self.categories[0].low


@dataclass(frozen=True)
class SplitSelection:
    """Score intervals chosen on one part of the simulation and measured on an independent part.

    Attributes:
        chosen: the intervals with the yields of the events that chose them (biased upward when optimised).
        measured: the same intervals with the yields of the other events: the expected significance to quote.
        chosen_on, measured_on: which events, in words (recorded in the summary).
        method: how the intervals were chosen.
    """

    chosen: Selection
    measured: Selection
    chosen_on: str
    measured_on: str
    method: str


def optimise(
    signal: np.ndarray,
    background: np.ndarray,
    edges: np.ndarray,
    *,
    categories: int = 1,
    min_background: float = 1.0,
    background_sumw2: np.ndarray | None = None,
    min_effective_events: float = 0.0,
) -> Selection:
    """The `categories` score intervals of largest combined expected Asimov significance.

    Args:
        signal, background: expected simulated yields in the mass window per score bin, including the
            underflow (index 0) and overflow (last index): length len(edges) + 1.
        edges: the score bin edges (the possible cuts).
        categories: number of intervals.
        min_background: every interval must keep at least this much background.
        background_sumw2: the sum of squared background weights per score bin (same layout); with it, every
            interval must hold at least `min_effective_events` effective simulated background events
            (sum w)^2 / sum w^2.

    Raises:
        InputError: no set of intervals keeps at least `min_background` background (and
            `min_effective_events` effective events) in each.
    """
    signal = np.asarray(signal, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    n = len(edges) + 1
    if signal.shape != (n,) or background.shape != (n,):
        raise ValueError(f"yields must have len(edges) + 1 = {n} entries (under- and overflow included)")
    # s_above[i] = yield in bins i, i+1, ..., so bins [i, j) hold s_above[i] - s_above[j].
    s_above = np.concatenate([np.cumsum(signal[::-1])[::-1], [0.0]])
    b_above = np.concatenate([np.cumsum(background[::-1])[::-1], [0.0]])
    w2 = np.zeros(n) if background_sumw2 is None else np.asarray(background_sumw2, dtype=np.float64)
    if w2.shape != (n,):
        raise ValueError(f"background_sumw2 must have {n} entries like the yields")
    w2_above = np.concatenate([np.cumsum(w2[::-1])[::-1], [0.0]])
    z2 = np.full((n + 1, n + 1), -np.inf)  # z2[i, j]: Z^2 of bins [i, j); -inf when not allowed
    for i in range(n):
        for j in range(i + 1, n + 1):
            s, b = s_above[i] - s_above[j], b_above[i] - b_above[j]
            if b >= min_background and (
                background_sumw2 is None
                or effective_events(b, w2_above[i] - w2_above[j]) >= min_effective_events
            ):
                z2[i, j] = float(asimov_significance(s, b)) ** 2
    best, choice = _best_intervals(z2, n, categories)
    start = int(np.argmax(best[categories - 1][:n]))
    if not np.isfinite(best[categories - 1][start]):
        raise InputError(
            f"no selection with {categories} score categor{'y' if categories == 1 else 'ies'} keeps at least "
            f"{min_background} expected background events and {min_effective_events} effective simulated "
            f"events in the mass window each (total simulated background {b_above[0]:.4g}); lower "
            "optimisation.min_background, optimisation.min_effective_events or the number of categories"
        )
    bounds = [start]
    for k in range(categories - 1, 0, -1):
        bounds.append(int(choice[k][bounds[-1]]))
    bounds.append(n)
    chosen = []
    for first, end in zip(bounds[:-1], bounds[1:], strict=True):
        s, b = s_above[first] - s_above[end], b_above[first] - b_above[end]
        chosen.append(
            Category(
                first_bin=first,
                last_bin=end - 1,
                low=float(edges[first - 1]) if first > 0 else -math.inf,
                high=float(edges[end - 1]) if end < n else math.inf,
                signal=float(s),
                background=float(b),
                significance=float(asimov_significance(s, b)),
            )
        )
    selection = Selection(tuple(chosen))
    log.info(
        "score selection from simulation: cuts %s, expected Z %.3f",
        [round(c.low, 6) for c in chosen],
        selection.significance,
    )
    return selection


def effective_events(sum_w: float, sum_w2: float) -> float:
    """The effective number of simulated events (sum w)^2 / sum w^2 behind a weighted yield; 0 if empty."""
    return sum_w**2 / sum_w2 if sum_w2 > 0 else 0.0


def measure(
    chosen: Selection, signal: np.ndarray, background: np.ndarray, *, scale: float = 1.0
) -> Selection:
    """The same score intervals as `chosen`, with yields and Asimov significances taken from other events.

    Args:
        signal, background: yields per score bin (layout as in `optimise`) of events that did not choose the
            intervals, multiplied by `scale` (e.g. 2 for one half of the simulation) to stand for the whole.
    """
    signal = np.asarray(signal, dtype=np.float64) * scale
    background = np.asarray(background, dtype=np.float64) * scale
    measured = []
    for category in chosen.categories:
        s = float(signal[category.first_bin : category.last_bin + 1].sum())
        b = float(background[category.first_bin : category.last_bin + 1].sum())
        measured.append(
            Category(
                category.first_bin,
                category.last_bin,
                category.low,
                category.high,
                s,
                b,
                float(asimov_significance(s, b)),
            )
        )
    return Selection(tuple(measured))


def _best_intervals(z2: np.ndarray, n: int, categories: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """best[k][i]: the largest sum of Z^2 of k + 1 contiguous intervals covering bins [i, n);
    choice[k][i]: where the second of them starts. Ties go to the lower start (the looser cut)."""
    best = [z2[:, n].copy()]
    choice = [np.full(n + 1, n)]
    for _ in range(1, categories):
        previous = best[-1]
        total = z2 + previous[np.newaxis, :]  # first interval [i, j), the rest from j on
        total[:, n] = -np.inf  # the rest must not be empty
        choice.append(np.argmax(total, axis=1))
        best.append(total[np.arange(n + 1), choice[-1]])
    return best, choice


def at_background_efficiencies(
    signal: np.ndarray, background: np.ndarray, edges: np.ndarray, efficiencies: tuple[float, ...]
) -> Selection:
    """Score intervals bounded by the cuts keeping the given fractions of the background, from the background
    alone (no signal model enters the choice); `signal` only labels the intervals with their yields.

    Each cut is the lowest score edge above which at most `efficiency` of the background (all score bins)
    remains; the efficiencies, in decreasing order, give the lower edges of the intervals in ascending score.

    Raises:
        InputError: no background, or an efficiency keeps no score bin (two efficiencies giving the same cut).
    """
    signal = np.asarray(signal, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    n = len(edges) + 1
    total = float(background.sum())
    if not total > 0:
        raise InputError("no simulated background to set a cut at a background efficiency")
    above = np.cumsum(background[::-1])[::-1] / total  # fraction at or above each bin
    starts: list[int] = []
    for efficiency in sorted(efficiencies, reverse=True):
        passing = np.nonzero(above[1:] <= efficiency)[0]  # a cut at an edge: the underflow never passes alone
        first = int(passing[0]) + 1 if len(passing) else n - 1
        if starts and first <= starts[-1]:
            raise InputError(
                f"optimisation.background_efficiencies: {efficiency} gives the same score cut as a looser "
                "one (score binning too coarse); use more distant efficiencies"
            )
        starts.append(first)
    bounds = [*starts, n]
    chosen = []
    for first, end in zip(bounds[:-1], bounds[1:], strict=True):
        s, b = float(signal[first:end].sum()), float(background[first:end].sum())
        chosen.append(
            Category(
                first_bin=first,
                last_bin=end - 1,
                low=float(edges[first - 1]),
                high=float(edges[end - 1]) if end < n else math.inf,
                signal=s,
                background=b,
                significance=float(asimov_significance(s, b)),
            )
        )
    return Selection(tuple(chosen))
