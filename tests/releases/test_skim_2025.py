"""A skim of the shared real 2025 MC file through its release schema, against an uproot selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from higgshunt import skim

SHARED_DIR = Path(__file__).resolve().parents[3] / "shared/data/atlas_opendata_13tev_2025"
SHARED_2025 = sorted(SHARED_DIR.glob("*.root"))
pytestmark = pytest.mark.skipif(not SHARED_2025, reason="the shared real 2025 file is not present")
LUMI_FB = 36.6
SCALE_FACTORS = ("PILEUP", "ELE", "MUON", "LepTRIGGER")

# A dilepton selection written against the event model (2020 names, MeV), as every channel config is.
CONFIG = {
    "channel": "dilepton_2025",
    "description": "two opposite-charge leptons",
    "tree": "mini",
    "skim": "2J2LMET30",
    "lumi_fb": LUMI_FB,
    "definitions": {"lead_charge": "lep_charge[0]"},
    "weights": {"mc": "mcWeight", "scale_factors": [f"scaleFactor_{f}" for f in SCALE_FACTORS]},
    "cuts": [
        {"name": "trigger", "expression": "trigE || trigM"},
        {"name": "two_leptons", "expression": "lep_n >= 2"},
        {"name": "opposite_charge", "expression": "lead_charge * lep_charge[1] < 0"},
        {"name": "leading_pt", "expression": "lep_pt[0] > 30000.f"},
    ],
    "features": [{"name": "lep{i}_pt", "expression": "lep_pt", "unit": "MeV", "size": 2}],
}


def _hand_weights(a: dict[str, np.ndarray]) -> np.ndarray:
    """lumi * 1000 * xsec * filteff * kfac / sum_of_weights * mcWeight * scale factors, per event."""
    weight = LUMI_FB * 1000.0 * a["xsec"] * a["filteff"] * a["kfac"] / a["sum_of_weights"]
    weight = weight * a["mcWeight"].astype(np.float64)
    for factor in SCALE_FACTORS:
        weight = weight * a[f"ScaleFactor_{factor}"].astype(np.float64)
    return weight


def _uproot_selection(path: str) -> pd.DataFrame:
    """The same selection and weight, computed from the file's own branches with uproot and numpy."""
    import uproot

    a = uproot.open(path)["analysis"].arrays(library="np")
    weights = _hand_weights(a)
    rows = []
    for i in range(len(a["eventNumber"])):
        keep = a["lep_isLooseID"][i] & a["lep_isLooseIso"][i]  # the 2020 release's lepton preselection
        order = np.argsort(-a["lep_pt"][i][keep], kind="stable")
        pt, charge = a["lep_pt"][i][keep][order], a["lep_charge"][i][keep][order]
        if not (a["trigE"][i] or a["trigM"][i]) or len(pt) < 2:
            continue
        if charge[0] * charge[1] >= 0 or pt[0] <= 30.0:
            continue
        rows.append({"eventNumber": int(a["eventNumber"][i]), "weight": weights[i], "lep1_pt": float(pt[0])})
    return pd.DataFrame(rows).set_index("eventNumber").sort_index()


def test_skim_of_the_2025_file_matches_uproot_event_by_event(tmp_path: Path) -> None:
    config_path = tmp_path / "dilepton_2025.yaml"
    config_path.write_text(yaml.safe_dump(CONFIG))
    path = str(SHARED_2025[0])
    result = skim.run(
        skim.load(config_path), output=tmp_path / "out", inputs_by_name={"zprime": [path]}, progress=False
    )
    table = pd.read_hdf(result.skim_file, "zprime").set_index("eventNumber").sort_index()
    expected = _uproot_selection(path)

    assert len(expected) > 50  # the selection keeps a real share of the 365 events
    assert table.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(table["weight"], expected["weight"], rtol=1e-6)
    np.testing.assert_allclose(table["lep1_pt"], expected["lep1_pt"], rtol=1e-6)  # GeV
    cutflow = result.cutflows[0]
    import uproot

    everything = _hand_weights(uproot.open(path)["analysis"].arrays(library="np"))
    assert cutflow.rows[0].entries == len(everything) == 365
    np.testing.assert_allclose(cutflow.rows[0].sum_w, everything.sum(), rtol=1e-6)  # the "all" row
    np.testing.assert_allclose(cutflow.rows[0].sum_w2, (everything**2).sum(), rtol=1e-6)
    assert cutflow.rows[-1].entries == len(expected)
    np.testing.assert_allclose(cutflow.rows[-1].sum_w, expected["weight"].sum(), rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["hzz4l_2025", "hyy_2025", "wz3l_2025"])
def test_shipped_2025_configs_run_on_a_real_2025_file(channel: str, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    config = skim.load(repo / "configs" / f"{channel}.yaml")
    result = skim.run(
        config, output=tmp_path, inputs_by_name={"zprime": [str(SHARED_2025[0])]}, progress=False
    )
    rows = result.cutflows[0].rows
    assert [row.cut for row in rows] == ["all", *(cut.name for cut in config.cuts)]
    assert rows[0].entries == 365 and rows[0].sum_w > 0
