"""HistFactory workspaces (pyhf JSON): what they hold, and the same significance from pyhf and from RooFit.

References: a one-bin counting experiment has the closed forms mu_hat = (n - b) / s, sigma(mu) = sqrt(n) / s
and q0 = 2 (n ln(n / b) - (n - b)); a full model (lumi, cross-section normsys, staterror, spurious-signal
histosys) is fitted by the two independent implementations, which must agree within 1% in Z.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from higgshunt.artifacts import workspaces
from higgshunt.errors import ConfigError, InputError
from higgshunt.fit import (
    Channel,
    Template,
    build_workspace,
    category_workspaces,
    choose_backgrounds,
    fit_pyhf,
    fit_roofit,
    run_workspace_fit,
)


def _channel(spurious: float | None = None, n_bins: int = 12, seed: int = 3) -> Channel:
    edges = np.linspace(110.0, 140.0, n_bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    background = 3000.0 * np.exp(-(centres - 110.0) / 25.0) / n_bins
    signal = 60.0 * np.exp(-0.5 * ((centres - 125.0) / 2.0) ** 2)
    observed = np.random.default_rng(seed).poisson(background + 1.2 * signal).astype(float)
    return Channel(
        name="cat",
        edges=edges,
        templates=[
            Template("H125", "signal", signal, signal * 0.002, cross_section_uncertainty=0.05),
            Template("yy", "background", background, background * 0.05, cross_section_uncertainty=0.1),
        ],
        observed=observed,
        lumi_uncertainty=0.021,
        spurious_signal=spurious,
    )


def test_the_workspace_holds_the_templates_and_their_modifiers() -> None:
    spec = build_workspace(_channel(spurious=5.0))
    import pyhf

    model = pyhf.Workspace(spec).model()
    assert model.config.poi_name == "mu"
    samples = {s["name"]: s for s in spec["channels"][0]["samples"]}
    assert set(samples) == {"H125", "yy", "spurious_signal"}
    kinds = {m["type"] for m in samples["H125"]["modifiers"]}
    assert kinds == {"normfactor", "lumi", "staterror", "normsys"}
    assert "normfactor" not in {m["type"] for m in samples["yy"]["modifiers"]}
    staterror = next(m for m in samples["yy"]["modifiers"] if m["type"] == "staterror")
    np.testing.assert_allclose(staterror["data"], np.sqrt(np.array(samples["yy"]["data"]) * 0.05))
    spurious = samples["spurious_signal"]["modifiers"][0]["data"]
    assert sum(spurious["hi_data"]) == pytest.approx(5.0) and sum(spurious["lo_data"]) == pytest.approx(-5.0)
    lumi = next(p for p in spec["measurements"][0]["config"]["parameters"] if p["name"] == "lumi")
    assert lumi["sigmas"] == [0.021]


def test_bad_templates_are_refused_and_negative_bins_zeroed() -> None:
    channel = _channel()
    empty = Template("yy", "background", np.zeros(12), np.zeros(12))
    with pytest.raises(InputError, match=r"observed in the bin \[110, 112.5\] where the simulation has no"):
        build_workspace(Channel("cat", channel.edges, [channel.templates[0], empty], channel.observed, 0.02))
    # a bin without background and without data is left out
    background = channel.templates[1].counts.copy()
    background[-1] = 0.0
    observed = channel.observed.copy()
    observed[-1] = 0.0
    holed = Template("yy", "background", background, background)
    spec = build_workspace(Channel("cat", channel.edges, [channel.templates[0], holed], observed, 0.02))
    assert len(spec["observations"][0]["data"]) == 11 and fit_pyhf(spec, "mu")["mu"] > 0
    with pytest.raises(InputError, match="template yy: NaN"):
        nan = Template("yy", "background", channel.templates[1].counts, np.full(12, np.nan))
        build_workspace(Channel("cat", channel.edges, [channel.templates[0], nan], channel.observed, 0.02))
    with pytest.raises(InputError, match="needs signal and background"):
        build_workspace(Channel("cat", channel.edges, channel.templates[1:], channel.observed, 0.02))
    negative = channel.templates[0].counts.copy()
    negative[0] = -1.0
    spec = build_workspace(
        Channel(
            "cat",
            channel.edges,
            [Template("H125", "signal", negative, np.ones(12)), channel.templates[1]],
            channel.observed,
            0.02,
        )
    )
    assert spec["channels"][0]["samples"][0]["data"][0] == 0.0


def _counting(n: float, s: float, b: float) -> dict:
    """A one-bin workspace with no systematic: the closed forms hold exactly."""
    return {
        "channels": [
            {
                "name": "bin",
                "samples": [
                    {
                        "name": "sig",
                        "data": [s],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {"name": "bkg", "data": [b], "modifiers": []},
                ],
            }
        ],
        "observations": [{"name": "bin", "data": [n]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


@pytest.mark.parametrize("fit", [fit_pyhf, fit_roofit], ids=["pyhf", "roofit"])
def test_a_counting_experiment_matches_the_closed_forms(fit) -> None:
    n, s, b = 130.0, 20.0, 100.0
    result = fit(_counting(n, s, b), "mu")
    assert result["mu"] == pytest.approx((n - b) / s, rel=1e-3)
    assert result["mu_error"] == pytest.approx(math.sqrt(n) / s, rel=1e-2)
    assert result["q0"] == pytest.approx(2 * (n * math.log(n / b) - (n - b)), rel=1e-3)
    assert fit(_counting(90.0, s, b), "mu")["significance"] == 0.0  # a deficit is no discovery


@pytest.mark.parametrize("spurious", [None, 6.0], ids=["no_spurious", "spurious"])
def test_pyhf_and_roofit_agree_on_the_same_workspace(spurious) -> None:
    spec = build_workspace(_channel(spurious))
    by_pyhf, by_roofit = fit_pyhf(spec, "mu"), fit_roofit(spec, "mu")
    assert by_pyhf["significance"] > 2.0  # a real test: an excess is there
    assert by_roofit["significance"] == pytest.approx(by_pyhf["significance"], rel=0.01)
    assert by_roofit["mu"] == pytest.approx(by_pyhf["mu"], abs=0.01 * by_pyhf["mu_error"] + 1e-3)
    assert by_roofit["mu_error"] == pytest.approx(by_pyhf["mu_error"], rel=0.02)


def test_the_spurious_signal_lowers_the_significance() -> None:
    without = fit_pyhf(build_workspace(_channel()), "mu")
    with_spurious = fit_pyhf(build_workspace(_channel(spurious=15.0)), "mu")
    assert with_spurious["significance"] < without["significance"]
    assert with_spurious["mu_error"] > without["mu_error"]


def _cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "higgshunt.cli", "fit", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_fits_a_workspace_file_and_writes_both_results(tmp_path: Path) -> None:
    source = tmp_path / "ws.json"
    source.write_text(json.dumps(build_workspace(_channel())))
    out = _cli("--workspace", str(source), "--output", str(tmp_path / "f"))
    assert out.returncode == 0, out.stderr
    assert "pyhf" in out.stdout and "roofit" in out.stdout
    document = workspaces.load_fit(tmp_path / "f")
    assert document["significance_relative_difference"] < 0.01
    assert document["pyhf"]["significance"] > 0 and "provenance" in document


def test_bad_workspaces_and_options_are_one_line_errors(tmp_path: Path) -> None:
    source = tmp_path / "ws.json"
    source.write_text(json.dumps(build_workspace(_channel())))
    with pytest.raises(ConfigError, match="--poi xs"):
        run_workspace_fit(source, "xs", tmp_path / "out")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"version": "1.0.0", "channels": []}))
    with pytest.raises(workspaces.WorkspaceError, match="broken.json: not a pyhf workspace"):
        run_workspace_fit(broken, "mu", tmp_path / "out")
    out = _cli("--workspace", str(tmp_path / "none.json"), "--output", str(tmp_path / "out"))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "none.json: no such file" in out.stderr
    assert not (tmp_path / "out").exists()


def _histograms(channel: Channel) -> dict:
    import ROOT

    histograms = {}
    for name, values, errors in [
        ("data", channel.observed, np.sqrt(channel.observed)),
        *[(t.name, t.counts, np.sqrt(t.sumw2)) for t in channel.templates],
    ]:
        hist = ROOT.TH1D(f"ws_{name}", "", len(values), channel.edges)
        hist.SetDirectory(ROOT.nullptr)
        for i, (value, error) in enumerate(zip(values, errors, strict=True), start=1):
            hist.SetBinContent(i, float(value))
            hist.SetBinError(i, float(error))
        histograms[name] = hist
    return histograms


def test_category_workspaces_of_a_bump_hunt_blinded_and_with_spurious_signal() -> None:
    channel = _channel()
    histograms = _histograms(channel)
    kinds = {"H125": "signal", "yy": "background"}
    common = {"data_kind": "pseudo_data", "lumi_fb": 36.1, "provenance": {}}
    made = category_workspaces(
        {"cat": histograms},
        kinds,
        mass_range=(115.0, 135.0),
        systematics={"lumi": 0.017, "cross_sections": {"yy": 0.1}},
        blinded=True,
        spurious=choose_backgrounds(
            {"cat": histograms}, kinds, mass_range=(115.0, 135.0), signal="gauss", candidates=("exppoly2",)
        ),
        **common,
    )
    entry, spec = made.channels["cat"], made.specs["cat"]
    assert entry["mass_range"] == [115.0, 135.0] and entry["blinded"] and entry["lumi_uncertainty"] == 0.017
    samples = {s["name"]: s for s in spec["channels"][0]["samples"]}
    expected = np.add(samples["H125"]["data"], samples["yy"]["data"])
    np.testing.assert_allclose(spec["observations"][0]["data"], expected)  # blinded: the Asimov data set
    assert {m["name"] for m in samples["yy"]["modifiers"]} >= {"xsec_yy"}
    assert "xsec_H125" not in {m["name"] for m in samples["H125"]["modifiers"]}
    # exppoly2 on an exponential background fakes next to no signal
    assert entry["spurious_signal"] is not None
    assert entry["spurious_signal"] < 0.1 * sum(samples["H125"]["data"])
    assert ("spurious_signal" in samples) == (entry["spurious_signal"] > 0)
    test = entry["spurious_signal_test"]
    assert test["background"] == "exppoly2" and test["passes"] and test["events"] == entry["spurious_signal"]
    background = np.array(samples["yy"]["data"])
    assert test["template_effective_events"] == pytest.approx(background.sum() / 0.05)  # sumw2 = 5% of counts
    # weights 0.05: the spurious signal's MC-statistical uncertainty is sqrt(0.05) of the fit's
    assert test["mc_uncertainty"] == pytest.approx(np.sqrt(0.05) * test["fit_uncertainty"], rel=1e-6)
    assert not test["template_dominated"] and [f["background"] for f in test["functions"]] == ["exppoly2"]
    with pytest.raises(ConfigError, match=r"systematics.cross_sections: \['ZZ'\] are not processes"):
        category_workspaces(
            {"cat": histograms},
            kinds,
            mass_range=None,
            systematics={"cross_sections": {"ZZ": 0.1}},
            blinded=False,
            **common,
        )
