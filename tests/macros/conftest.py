"""Tiny input files for the plotting macros, written once per session as docs/plot_inputs.md describes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from higgshunt.plotting import write_roc_file
from higgshunt.plotting.roc_file import Curve
from higgshunt.skim import histogram_file
from higgshunt.skim.cutflow import Cutflow, CutflowRow

BINS, LOW, HIGH = 30, 80.0, 170.0
CUTS = ("all", "trigger", "four_leptons", "charge_flavour", "lepton_pt", "mass_window")
RMM_SIDE = 6


@dataclass(frozen=True)
class StackInput:
    """The bump-hunt file and the bin contents it holds, per category."""

    path: Path
    contents: dict[str, dict[str, np.ndarray]]  # category -> histogram name -> bin contents
    variances: dict[str, dict[str, np.ndarray]]


def _histogram(name: str, title: str, values: np.ndarray, weight: float):
    import ROOT

    hist = ROOT.TH1D(name, title, BINS, LOW, HIGH)
    hist.Sumw2()
    for value in values:
        hist.Fill(float(value), weight)
    return hist


def _contents(hist) -> tuple[np.ndarray, np.ndarray]:
    n = hist.GetNbinsX()
    return (
        np.array([hist.GetBinContent(i) for i in range(1, n + 1)]),
        np.array([hist.GetBinError(i) ** 2 for i in range(1, n + 1)]),
    )


@pytest.fixture(scope="session")
def stack_input(tmp_path_factory: pytest.TempPathFactory) -> StackInput:
    """Two categories, each with two backgrounds, one signal and pseudo-data drawn from them; 36.1 fb^-1."""
    import ROOT

    rng = np.random.default_rng(11)
    path = tmp_path_factory.mktemp("stack") / "bumphunt.root"
    contents: dict[str, dict[str, np.ndarray]] = {}
    variances: dict[str, dict[str, np.ndarray]] = {}
    handle = ROOT.TFile.Open(str(path), "RECREATE")
    ROOT.TParameter["double"]("lumi_fb", 36.1).Write()
    for category, scale in (("cutbased", 1.0), ("ml", 0.4)):
        directory = handle.mkdir(category)
        directory.cd()
        processes = {
            "zz": ("ZZ*", "background", rng.exponential(50.0, 3000) + LOW, 0.02 * scale),
            "zjets": ("Z+jets, t#bar{t}", "background", rng.uniform(LOW, HIGH, 800), 0.01 * scale),
            "higgs": ("H #rightarrow ZZ* #rightarrow 4l", "signal", rng.normal(125.0, 2.0, 600), 0.02),
        }
        drawn = []
        contents[category], variances[category] = {}, {}
        for name, (label, kind, values, weight) in processes.items():
            hist = _histogram(name, f"{label};m_{{4l}} [GeV];", values, weight)
            hist.Write()
            ROOT.TNamed(f"kind_{name}", kind).Write()
            contents[category][name], variances[category][name] = _contents(hist)
            drawn.append(values[rng.random(len(values)) < weight])
        data = _histogram("data", ";m_{4l} [GeV];", np.concatenate(drawn), 1.0)
        data.Write()
        contents[category]["data"], variances[category]["data"] = _contents(data)
    handle.Close()
    return StackInput(path, contents, variances)


@pytest.fixture(scope="session")
def cutflow_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Cutflow]]:
    """The skim's histogram file for three samples, written by the skim's own writer."""
    import ROOT

    path = tmp_path_factory.mktemp("cutflow") / "histograms.root"
    cutflows = {}
    for index, sample in enumerate(("data", "ggH125_ZZ4lep", "llll")):
        weight = 0.5 + index
        entries = [int(5000 * 0.6 ** (k * (index + 1))) for k in range(len(CUTS))]
        rows = tuple(CutflowRow(c, n, n * weight, n * weight**2) for c, n in zip(CUTS, entries, strict=True))
        cutflows[sample] = Cutflow(sample, rows)
        mass = ROOT.TH1D("m4l", ";m_{4l} [GeV];", BINS, LOW, HIGH)
        mass.SetDirectory(ROOT.nullptr)
        kind = "pseudo_data" if sample == "data" else "simulation"
        record = histogram_file.SampleRecord(kind, 10.0, {"code_version": "test"})
        histogram_file.write(path, sample, {"m4l": mass}, cutflows[sample], record)
    return path, cutflows


@pytest.fixture(scope="session")
def roc_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Curve]]:
    """ROC curves of three classifiers of different separation, from scikit-learn."""
    from sklearn.metrics import roc_auc_score, roc_curve

    rng = np.random.default_rng(5)
    labels = np.r_[np.ones(1500), np.zeros(1500)]
    curves = {}
    for name, separation in (("dnn", 2.0), ("bdt", 1.5), ("labcourse", 1.0)):
        score = rng.normal(labels * separation, 1.0)
        fpr, tpr, _ = roc_curve(labels, score)
        curves[name] = (fpr, tpr, float(roc_auc_score(labels, score)))
    path = tmp_path_factory.mktemp("roc") / "roc.root"
    write_roc_file(path, curves)
    return path, curves


@pytest.fixture(scope="session")
def rmm_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An RDataFrame Snapshot of 40 random 6 x 6 matrices, as `rmm` (RVec<float>) and `rmm_vector`
    (std::vector<float>), with the last two slots empty and entry 3 all NaN (an invalid event)."""
    import ROOT

    ROOT.gInterpreter.Declare(
        """
        ROOT::RVec<float> macro_test_rmm(ULong64_t entry, int side) {
          TRandom3 random(static_cast<UInt_t>(entry) + 1);
          ROOT::RVec<float> cells(side * side, 0.f);
          for (int r = 0; r < side - 2; ++r)
            for (int q = 0; q < side - 2; ++q) cells[r * side + q] = static_cast<float>(random.Exp(0.1));
          if (entry == 3) cells = ROOT::RVec<float>(side * side, std::nanf(""));
          return cells;
        }
        """
    )
    path = tmp_path_factory.mktemp("rmm") / "snapshot.root"
    frame = (
        ROOT.RDataFrame(40)
        .Define("rmm", f"macro_test_rmm(rdfentry_, {RMM_SIDE})")
        .Define("rmm_vector", "std::vector<float>(rmm.begin(), rmm.end())")
        .Define("met", "1.f")
    )
    frame.Snapshot("events", str(path), ["rmm", "rmm_vector", "met"])
    return path
