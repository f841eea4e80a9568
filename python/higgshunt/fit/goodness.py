"""Goodness of fit: the Baker-Cousins chi2 and its p-value, from refitted toys where bins expect few events.

The likelihood-ratio chi2 follows its chi2 distribution only when every bin expects enough events; a
spectrum after a tight selection (a handful of events per bin, empty bins) is far from it, and its
asymptotic p-value can fail a good fit. There the p-value comes from toys: Poisson draws of the best-fit
expectation, each refitted with the same free parameters from the best fit (Migrad strategy 0, no Hesse),
its chi2 taken against its own refitted expectation: the distribution of the statistic as the data's was
made. Toys run only for a fit the asymptotic p-value would fail, so a good fit costs nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import stats

from higgshunt.fit import likelihood as lk
from higgshunt.fit.models import SpectrumModel, binned_data

log = logging.getLogger(__name__)

CHI2_P_MIN = 0.01  # a signal + background fit with a smaller chi2 p-value is flagged as a bad fit
LOW_COUNT = 5.0  # a bin expecting fewer events than this makes the chi2 distribution unreliable
N_TOYS = 200


@dataclass(frozen=True)
class PValue:
    """The chi2 p-value, how it was obtained, and the note that explains a toy-based one."""

    value: float
    method: str  # "chi2 distribution" or "N refitted toys"
    note: str | None = None


def baker_cousins_chi2(observed: np.ndarray, expected: np.ndarray, n_free: int) -> tuple[float, float, int]:
    """The Poisson likelihood-ratio chi2 of Baker and Cousins (Nucl. Instrum. Meth. 221 (1984) 437),
    2 sum(nu - n + n ln(n / nu)), and Pearson's sum((n - nu)^2 / nu), over bins with a positive expectation;
    ndf = those bins - free parameters. The likelihood ratio is the gate: Pearson's chi2 is far from its
    chi2 distribution when bins expect a few events (one event where 0.1 is expected adds 8.1 to Pearson's
    and 2.8 to the likelihood ratio), and the likelihood ratio is the statistic the fit minimises."""
    used = expected > 0
    n, nu = observed[used], expected[used]
    log_term = n * np.log(np.divide(n, nu, out=np.ones_like(n), where=n > 0))
    baker_cousins = float(2.0 * np.sum(nu - n + log_term))
    pearson = float(np.sum((n - nu) ** 2 / nu))
    return baker_cousins, pearson, int(used.sum()) - n_free


def chi2_p_value(
    model: SpectrumModel,
    best: lk.Snapshot,
    expected: np.ndarray,
    chi2: float,
    ndf: int,
    n_free: int,
    *,
    seed: int,
    n_toys: int | None = None,
) -> PValue:
    """The p-value of `chi2` (`ndf`, `n_free` fitted parameters) for the fit at `best` whose per-bin
    expectation is `expected` (module docstring). The model's parameters are left at `best`."""
    asymptotic = float(stats.chi2.sf(chi2, ndf)) if ndf > 0 else 1.0
    low = int(np.count_nonzero((expected > 0) & (expected < LOW_COUNT)))
    if asymptotic >= CHI2_P_MIN or low == 0:
        return PValue(asymptotic, "chi2 distribution")
    values = _toy_chi2s(model, best, expected, n_free, n_toys or N_TOYS, seed)
    lk.restore(model, best)
    if len(values) == 0:
        return PValue(asymptotic, "chi2 distribution", "every goodness-of-fit toy failed to fit")
    exceeding = int(np.count_nonzero(values >= chi2))
    value = (exceeding + 1) / (len(values) + 1)  # never 0 from a finite number of toys
    error = float(np.sqrt(value * (1.0 - value) / len(values)))
    method = f"{len(values)} refitted toys"
    used = int(np.count_nonzero(expected > 0))
    note = (
        f"chi2 p-value from {method}: {value:.3g} +- {error:.2g} ({low} of {used}"
        f" bins expect < {LOW_COUNT:g} events, where the chi2 distribution's {asymptotic:.2g} does not hold)"
    )
    log.info("%s", note)
    return PValue(value, method, note)


def _toy_chi2s(
    model: SpectrumModel, best: lk.Snapshot, expected: np.ndarray, n_free: int, n_toys: int, seed: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = []
    for toy in range(n_toys):
        counts = rng.poisson(expected).astype(float)
        lk.restore(model, best)
        data, _hist = binned_data(model.edges, counts, model.x, f"gof_toy{toy}")  # both kept while fitting
        minimum = lk.minimize(lk.create_nll(model, data), "goodness-of-fit toy", hesse=False, strategy=0)
        if minimum.status != 0:
            continue
        total = model.n_signal.getVal() + model.n_background.getVal()
        refitted = lk.expected_counts(model, model.model, total)
        values.append(baker_cousins_chi2(counts, refitted, n_free)[0])
    return np.asarray(values)
