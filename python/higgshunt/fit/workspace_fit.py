"""Fits of a pyhf workspace with two independent implementations of the same HistFactory likelihood.

- pyhf (numpy backend, scipy's minimiser): the maximum-likelihood fit, the discovery statistic q0 and the
  error of the parameter of interest from the inverse Hessian of -ln L at the minimum (central finite
  differences, all points in one batched evaluation).
- RooFit: the same model built by ROOT's HistFactory (`HistoToWorkspaceFactoryFast`) from the workspace's
  histograms, with pyhf's interpolation codes (normsys exponential, code 1; histosys linear, code 0),
  minimised with Minuit2 (Migrad, Hesse).

Both give q0 = -2 ln(L(mu=0, profiled) / L(mu_hat, profiled)) with q0 = 0 for mu_hat < 0, the asymptotic
discovery significance Z = sqrt(q0) (Cowan, Cranmer, Gross, Vitells 2011) and mu_hat +- its Hesse error.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from higgshunt.artifacts import workspaces
from higgshunt.errors import ConfigError, FitError, InputError
from higgshunt.fit import likelihood as lk
from higgshunt.fit.workspace import LUMI
from higgshunt.outputs import atomic_output
from higgshunt.provenance import collect

log = logging.getLogger(__name__)

_HESSE_STEP = 1e-4  # relative finite-difference step of the pyhf Hessian


def _discovery(q0: float, mu_hat: float, mu_error: float, nll_hat: float, nll_zero: float) -> dict[str, Any]:
    q0 = max(q0, 0.0) if mu_hat > 0 else 0.0
    z = math.sqrt(q0)
    return {
        "mu": mu_hat,
        "mu_error": mu_error,
        "q0": q0,
        "p0": float(stats.norm.sf(z)),
        "significance": z,
        "nll_free": nll_hat,
        "nll_mu0": nll_zero,
    }


def _pyhf_model(spec: dict[str, Any], poi: str) -> tuple[Any, Any, Any, Any]:
    import pyhf

    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    try:
        workspace = pyhf.Workspace(spec)
        model = workspace.model(poi_name=poi)
    except (pyhf.exceptions.InvalidSpecification, pyhf.exceptions.InvalidModel) as exc:
        raise InputError(f"not a valid pyhf workspace: {str(exc).splitlines()[0]}") from None
    return pyhf, workspace, model, workspace.data(model)


def fit_pyhf(spec: dict[str, Any], poi: str) -> dict[str, Any]:
    """mu_hat +- error, q0, p0 and Z of the workspace `spec` with pyhf (module docstring)."""
    pyhf, workspace, model, data = _pyhf_model(spec, poi)
    init, bounds, fixed = (
        model.config.suggested_init(),
        model.config.suggested_bounds(),
        model.config.suggested_fixed(),
    )
    try:
        best, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
        _, twice_nll_zero = pyhf.infer.mle.fixed_poi_fit(
            0.0, data, model, init, bounds, fixed, return_fitted_val=True
        )
    except pyhf.exceptions.FailedMinimization as exc:
        raise FitError(f"pyhf: the fit of the workspace failed ({str(exc).splitlines()[0]})") from None
    index = model.config.poi_index

    def nll(points: np.ndarray) -> np.ndarray:  # -ln L at many points: one batched model
        batched = workspace.model(poi_name=poi, batch_size=len(points))
        return -np.asarray(batched.logpdf(points, np.tile(data, (len(points), 1))))

    covariance = np.linalg.inv(_hessian(nll, best, fixed))
    mu_error = float(math.sqrt(covariance[index, index])) if covariance[index, index] > 0 else math.nan
    return {
        **_discovery(
            float(twice_nll_zero - twice_nll),
            float(best[index]),
            mu_error,
            0.5 * float(twice_nll),
            0.5 * float(twice_nll_zero),
        ),
        "software": f"pyhf {pyhf.__version__} (numpy, scipy SLSQP)",
    }


def _hessian(function: Any, point: np.ndarray, fixed: list[bool]) -> np.ndarray:
    """Central finite-difference Hessian of `function` over the free parameters (identity on fixed ones).

    `function` maps a (k, n) array of parameter points to their k values: all points are evaluated at once.
    """
    point = np.asarray(point, dtype=np.float64)
    n = len(point)
    steps = _HESSE_STEP * np.maximum(np.abs(point), 1.0)
    free = [i for i in range(n) if not fixed[i]]
    pairs = [(i, j) for a, i in enumerate(free) for j in free[a + 1 :]]
    shifts: list[np.ndarray] = [np.zeros(n)]
    for i in free:
        for sign in (1, -1):
            shifts.append(np.zeros(n))
            shifts[-1][i] = sign * steps[i]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            shifts.append(np.zeros(n))
            shifts[-1][i], shifts[-1][j] = si * steps[i], sj * steps[j]
    values = np.asarray(function(point + np.array(shifts)), dtype=np.float64)
    hessian = np.eye(n)
    f0, diagonal, corners = values[0], values[1 : 1 + 2 * len(free)], values[1 + 2 * len(free) :]
    for k, i in enumerate(free):
        hessian[i, i] = (diagonal[2 * k] - 2 * f0 + diagonal[2 * k + 1]) / steps[i] ** 2
    for k, (i, j) in enumerate(pairs):
        pp, pm, mp, mm = corners[4 * k : 4 * k + 4]
        hessian[i, j] = hessian[j, i] = (pp - pm - mp + mm) / (4 * steps[i] * steps[j])
    return hessian


def _th1(name: str, values: Any, errors: Any = None) -> Any:
    """A TH1D over bin indices 0..n (HistFactory needs only the bin order), owned by C++: HistFactory's
    histogram references delete the histograms they are given."""
    import ROOT

    values = list(values)
    hist = ROOT.TH1D(name, "", len(values), 0.0, float(len(values)))
    hist.SetDirectory(ROOT.nullptr)
    for i, value in enumerate(values, start=1):
        hist.SetBinContent(i, float(value))
        if errors is not None:
            hist.SetBinError(i, float(errors[i - 1]))
    ROOT.SetOwnership(hist, False)
    return hist


def _measurement(spec: dict[str, Any], poi: str) -> Any:
    """The HistFactory Measurement of a one-measurement pyhf workspace."""
    from ROOT.RooStats import HistFactory

    if len(spec["measurements"]) != 1:
        raise InputError("RooFit fit: a workspace with exactly one measurement is expected")
    config = spec["measurements"][0]["config"]
    parameters = {p["name"]: p for p in config.get("parameters", [])}
    measurement = HistFactory.Measurement("measurement", "")
    measurement.SetPOI(poi)
    lumi = parameters.get(LUMI, {"sigmas": [0.0]})
    measurement.SetLumi(1.0)
    measurement.SetLumiRelErr(float(lumi["sigmas"][0]))
    observations = {o["name"]: o["data"] for o in spec["observations"]}
    for channel_spec in spec["channels"]:
        name = channel_spec["name"]
        channel = HistFactory.Channel(name)
        channel.SetData(_th1(f"data_{name}", observations[name]))
        channel.SetStatErrorConfig(0.0, "Gaussian")
        for sample_spec in channel_spec["samples"]:
            channel.AddSample(_sample(sample_spec, parameters))
        measurement.AddChannel(channel)
    return measurement


def _sample(sample_spec: dict[str, Any], parameters: dict[str, Any]) -> Any:
    from ROOT.RooStats import HistFactory

    name = sample_spec["name"]
    sample = HistFactory.Sample(name)
    nominal = sample_spec["data"]
    errors = None
    for modifier in sample_spec["modifiers"]:
        kind, parameter, data = modifier["type"], modifier["name"], modifier["data"]
        if kind == "lumi":
            sample.SetNormalizeByTheory(True)
        elif kind == "normfactor":
            low, high = parameters.get(parameter, {}).get("bounds", [[0.0, 10.0]])[0]
            sample.AddNormFactor(parameter, 1.0, float(low), float(high))
        elif kind == "staterror":
            errors = data
            sample.ActivateStatError()
        elif kind == "normsys":
            sample.AddOverallSys(parameter, float(data["lo"]), float(data["hi"]))
        elif kind == "histosys":
            variation = HistFactory.HistoSys()
            variation.SetName(parameter)
            variation.SetHistoLow(_th1(f"{name}_{parameter}_lo", data["lo_data"]))
            variation.SetHistoHigh(_th1(f"{name}_{parameter}_hi", data["hi_data"]))
            sample.AddHistoSys(variation)
        else:
            raise InputError(f"RooFit fit: modifier type {kind!r} ({parameter}) is not supported")
    if not any(m["type"] == "lumi" for m in sample_spec["modifiers"]):
        sample.SetNormalizeByTheory(False)
    sample.SetHisto(_th1(f"{name}_nominal", nominal, errors))
    return sample


def fit_roofit(spec: dict[str, Any], poi: str) -> dict[str, Any]:
    """mu_hat +- error, q0, p0 and Z of the workspace `spec`, with the model built by ROOT's HistFactory."""
    import ROOT

    measurement = _measurement(spec, poi)
    with lk.quiet_roofit():
        previous = ROOT.gErrorIgnoreLevel
        ROOT.gErrorIgnoreLevel = ROOT.kError
        try:
            workspace = ROOT.RooStats.HistFactory.HistoToWorkspaceFactoryFast.MakeCombinedModel(measurement)
        finally:
            ROOT.gErrorIgnoreLevel = previous
        for component in workspace.components():
            if isinstance(component, ROOT.RooStats.HistFactory.FlexibleInterpVar):
                component.setAllInterpCodes(1)  # pyhf's normsys: exponential
            elif isinstance(component, ROOT.PiecewiseInterpolation):
                component.setAllInterpCodes(0)  # pyhf's histosys: linear
        config = workspace.obj("ModelConfig")
        pdf, data = config.GetPdf(), workspace.data("obsData")
        constraints = []  # a model without nuisance parameters has no such sets
        if config.GetNuisanceParameters():
            constraints.append(ROOT.RooFit.Constrain(config.GetNuisanceParameters()))
        if config.GetGlobalObservables():
            constraints.append(ROOT.RooFit.GlobalObservables(config.GetGlobalObservables()))
        nll = pdf.createNLL(data, *constraints)
        mu = workspace.var(poi)
        if not mu:
            raise ConfigError(f"--poi {poi}: no such parameter in the workspace")
        mu.setConstant(False)
        free = lk.minimize(nll, "workspace (mu free)")
        mu_hat, mu_error = float(mu.getVal()), float(mu.getError())
        mu.setVal(0.0)
        mu.setConstant(True)
        floating = [p for p in nll.getParameters(ROOT.RooArgSet()) if not p.isConstant()]
        zero = (
            lk.minimize(nll, "workspace (mu = 0)", hesse=False)
            if floating
            else lk.Minimum("workspace (mu = 0)", float(nll.getVal()), 0, 0, 0.0)  # nothing to fit
        )
    for minimum in (free, zero):
        if minimum.status != 0:
            raise FitError(
                f"RooFit: the {minimum.name} fit did not converge (MINUIT status {minimum.status})"
            )
    return {
        **_discovery(2.0 * (zero.nll - free.nll), mu_hat, mu_error, free.nll, zero.nll),
        "software": f"ROOT {ROOT.gROOT.GetVersion()} HistFactory + RooFit (Minuit2)",
    }


def run_workspace_fit(path: str | Path, poi: str, output: str | Path) -> dict[str, Any]:
    """Fit the pyhf workspace in the file `path` with pyhf and with RooFit and write the folder `output`
    whole, holding workspace_fit.json (`higgshunt.artifacts.workspaces`). Returns that document.

    Raises:
        WorkspaceError: a missing or invalid workspace. ConfigError: no parameter `poi`. FitError: a fit
            that fails. OutputError: `output` cannot be written.
    """
    spec = workspaces.load(path)
    pois = {m["config"]["poi"] for m in spec["measurements"]}
    declared = {
        modifier["name"] for c in spec["channels"] for s in c["samples"] for modifier in s["modifiers"]
    }
    if poi not in declared:
        raise ConfigError(f"--poi {poi}: not a parameter of {path} (its measurements' POI: {sorted(pois)})")
    pyhf_result = fit_pyhf(spec, poi)
    roofit_result = fit_roofit(spec, poi)
    z_pyhf, z_roofit = pyhf_result["significance"], roofit_result["significance"]
    document = {
        "workspace": str(path),
        "poi": poi,
        "pyhf": pyhf_result,
        "roofit": roofit_result,
        "significance_relative_difference": abs(z_roofit - z_pyhf) / z_pyhf if z_pyhf > 0 else math.nan,
        "inputs": {"workspace": str(path), "poi": poi},
        "provenance": collect({"workspace": str(path), "poi": poi}),
    }
    with atomic_output(output, inputs=[path]) as tmp:
        tmp.mkdir()
        workspaces.save_fit(tmp, document)
    return document
