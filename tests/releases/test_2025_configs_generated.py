"""The shipped 2025 configs skim generated 2025-layout samples: their cutflows are sane, their notebook rows
are there, signal is selected, and the weights start from the files' own normalisation branches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import uproot
from higgshunt import skim
from higgshunt.generation import generate, load_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# config -> (generated skim, signal, background) and the official notebook's rows, in order
CHANNELS = {
    "hzz4l_2025": (
        ("4lep", "ggH125_ZZ4lep", "llll"),
        ["trigger", "trigger_matched", "four_identified_leptons", "lepton_pt", "flavour_pairs",
         "zero_charge"],
    ),
    "hyy_2025": (
        ("GamGam", "ggH125_gamgam", "yy_continuum"),
        ["two_photons", "tight_id", "photon_pt", "isolation", "eta_acceptance", "relative_pt",
         "notebook_mass_range"],
    ),
    "wz3l_2025": (
        ("3lep", "lllv", "ttbar_lep"),  # WZ -> 3l nu is the signal of this measurement
        ["trigger", "dilepton_trigger_matched", "met", "three_identified_leptons", "lepton_pt", "z_window",
         "w_transverse_mass"],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred events per process, in the 2025 layout."""
    directory = tmp_path_factory.mktemp("gen2025")
    processes = [f"{skim_name}/{name}" for (skim_name, *names), _ in CHANNELS.values() for name in names]
    settings = load_config(REPO / "configs" / "samples.yaml")
    generate(settings, directory, events=200, seed=5, processes=processes, progress=False, layout="2025")
    return directory


def _hand_sum_w(path: Path, lumi_fb: float, scale_factors: list[str]) -> float:
    """lumi * 1000 * xsec * filteff * kfac / sum_of_weights * mcWeight * scale factors, summed (uproot)."""
    with uproot.open(path) as handle:
        a = handle["analysis"].arrays(library="np")
    weight = lumi_fb * 1000.0 * a["xsec"] * a["filteff"] * a["kfac"] / a["sum_of_weights"]
    weight = weight * a["mcWeight"].astype(np.float64)
    for name in scale_factors:  # the event model's scaleFactor_X is the file's ScaleFactor_X
        weight = weight * a[name.replace("scaleFactor_", "ScaleFactor_")].astype(np.float64)
    return float(weight.sum())


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_shipped_2025_configs_skim_generated_2025_samples(
    generated: Path, channel: str, tmp_path: Path
) -> None:
    (skim_name, signal, background), notebook_rows = CHANNELS[channel]
    files = {
        name: sorted((generated / skim_name / "MC").glob(f"mc_*.{name}.*.root"))
        for name in (signal, background)
    }
    config = skim.load(REPO / "configs" / f"{channel}.yaml")
    result = skim.run(
        config,
        output=tmp_path,
        inputs_by_name={name: [str(path) for path in paths] for name, paths in files.items()},
        progress=False,
    )
    cutflows = {cutflow.sample: cutflow.rows for cutflow in result.cutflows}
    names = ["all", *(cut.name for cut in config.cuts)]
    # the notebook's preselection first, the physics extras after it
    assert names[1 : 1 + len(notebook_rows)] == notebook_rows
    for sample, rows in cutflows.items():
        assert [row.cut for row in rows] == names
        entries = [row.entries for row in rows]
        assert entries == sorted(entries, reverse=True), sample
        assert entries[0] > 50, sample
    signal_rows = cutflows[signal]
    assert signal_rows[-1].entries >= 0.1 * signal_rows[0].entries > 0
    assert 0 < signal_rows[-1].sum_w < signal_rows[0].sum_w
    # the "all" row: the weight built from the file's own normalisation branches
    assert config.lumi_fb is not None
    hand = _hand_sum_w(files[signal][0], config.lumi_fb, list(config.weights.scale_factors))
    np.testing.assert_allclose(signal_rows[0].sum_w, hand, rtol=1e-6)
