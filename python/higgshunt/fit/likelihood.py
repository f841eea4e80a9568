"""Binned likelihood minimisation and profile-likelihood significances (asymptotic formulae).

q0 = 2 (NLL_b - NLL_s+b) with the signal yield free (one-sided: q0 = 0 when the fitted yield is negative),
Z = sqrt(q0) (Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554). The expected significance is
the same quantity on the Asimov dataset of a signal-plus-background hypothesis.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from higgshunt.fit.models import SpectrumModel, bin_fractions, binned_data

log = logging.getLogger(__name__)

# Bin contents are integrals of the pdf over the bin (not its value at the centre): narrow peaks stay right.
INTEGRATION_PRECISION = 1e-5


@dataclass(frozen=True)
class Minimum:
    """Outcome of one minimisation.

    Attributes:
        name: which fit (for messages and the fit result).
        nll: the minimum of the negative log-likelihood.
        status: MINUIT's status (0 = converged).
        covariance_quality: 0 not computed, 1 approximate, 2 forced positive definite, 3 accurate.
        edm: estimated distance to the minimum.
    """

    name: str
    nll: float
    status: int
    covariance_quality: int
    edm: float

    def to_json(self) -> dict[str, Any]:
        return {
            "nll": self.nll,
            "status": self.status,
            "covariance_quality": self.covariance_quality,
            "edm": self.edm,
        }


@contextmanager
def quiet_roofit() -> Iterator[None]:
    """RooFit stays silent inside this block; the callers check every fit's status themselves (RooFit's own
    error messages during minimisation, e.g. negative expectations tried by MINUIT, are expected)."""
    import ROOT

    service = ROOT.RooMsgService.instance()
    previous = service.globalKillBelow()
    service.setGlobalKillBelow(ROOT.RooFit.FATAL)
    try:
        yield
    finally:
        service.setGlobalKillBelow(previous)


def create_nll(model: SpectrumModel, data: Any) -> Any:
    import ROOT

    return model.model.createNLL(
        data, ROOT.RooFit.Extended(True), ROOT.RooFit.IntegrateBins(INTEGRATION_PRECISION)
    )


def minimize(nll: Any, name: str, *, hesse: bool = True, strategy: int = 1) -> Minimum:
    """Minimise `nll` with Minuit2 (Migrad, strategy 1; 0 for toys, where no error is needed: fewer
    derivative evaluations), then Hesse for the covariance."""
    import ROOT

    minimizer = ROOT.RooMinimizer(nll)
    minimizer.setPrintLevel(-1)
    minimizer.setStrategy(strategy)
    status = int(minimizer.minimize("Minuit2", "Migrad"))
    if hesse and status == 0:
        status = int(minimizer.hesse())
    result = minimizer.save()
    return Minimum(
        name=name,
        nll=float(nll.getVal()),
        status=status,
        covariance_quality=int(result.covQual()),
        edm=float(result.edm()),
    )


Snapshot = dict[str, tuple[float, float, bool]]


def snapshot(model: SpectrumModel) -> Snapshot:
    """Values, errors and constness of every parameter."""
    return {p.GetName(): (p.getVal(), p.getError(), bool(p.isConstant())) for p in model.parameters()}


def restore(model: SpectrumModel, saved: Snapshot) -> None:
    """Set every parameter back to `saved`; a value outside a range narrowed since (the mass window, set once
    the excess is found) is moved to the nearest edge, which RooFit otherwise refuses with an exception."""
    for p in model.parameters():
        value, error, constant = saved[p.GetName()]
        p.setVal(min(max(value, p.getMin()), p.getMax()))
        p.setError(error)
        p.setConstant(constant)


def fit_background_only(
    model: SpectrumModel, nll: Any, name: str, *, hesse: bool = True, strategy: int = 1
) -> Minimum:
    """Minimum with no signal: n_signal = 0 and the signal shape (which then plays no role) fixed; their
    constness is restored afterwards."""
    frozen = [model.n_signal, model.mass, model.width, *model.tails]
    constant = [bool(p.isConstant()) for p in frozen]
    model.n_signal.setVal(0.0)
    for p in frozen:
        p.setConstant(True)
    try:
        return minimize(nll, name, hesse=hesse, strategy=strategy)
    finally:
        for p, c in zip(frozen, constant, strict=True):
            p.setConstant(c)


def q0(nll_background: float, nll_signal: float, n_signal: float) -> float:
    """One-sided discovery test statistic (0 for a deficit)."""
    return max(2.0 * (nll_background - nll_signal), 0.0) if n_signal > 0 else 0.0


def z_from_q0(value: float) -> float:
    return math.sqrt(max(value, 0.0))


def expected_counts(model: SpectrumModel, pdf: Any, n_events: float) -> np.ndarray:
    """Events per bin for `pdf` normalised to `n_events`."""
    return n_events * bin_fractions(pdf, model.x, model.edges)


def asimov_data(model: SpectrumModel) -> tuple[Any, Any]:
    """The Asimov dataset of the model at its current parameters: each bin holds its expected count."""
    counts = expected_counts(model, model.model, model.n_signal.getVal() + model.n_background.getVal())
    return binned_data(model.edges, counts, model.x, "asimov")
