"""Event weights, their factors and the weighted cutflow against hand computation on a small MC-like file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import uproot
from higgshunt import skim
from higgshunt.artifacts import skim_table
from skim_ntuples import MC_DSID, mc_weight_by_hand

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def skimmed(mc_file: Path, tmp_path_factory: pytest.TempPathFactory) -> skim.SkimResult:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["samples"] = [{"name": "ggH125_ZZ4lep", "kind": "signal", "files": [str(mc_file)]}]
    config = skim.config.build(raw, source="test-config")
    return skim.run(config, output=tmp_path_factory.mktemp("out"), progress=False)


def test_weights_per_event(skimmed: skim.SkimResult) -> None:
    table = pd.read_hdf(skimmed.skim_file, "ggH125_ZZ4lep")
    np.testing.assert_allclose(table.weight, mc_weight_by_hand(table.eventNumber), rtol=1e-12)
    np.testing.assert_allclose(table.weight, table.w_mc * table.w_sf * table.w_norm, rtol=1e-12)
    assert (table.w_mc == 0).any() and (
        table.w_mc < 0
    ).any()  # zero and negative weights are kept, not dropped
    assert (table.label == 1).all() and (table.dsid == MC_DSID).all()


def test_cutflow_sums_by_hand(skimmed: skim.SkimResult, mc_file: Path) -> None:
    (cutflow,) = skimmed.cutflows
    all_events = uproot.open(f"{mc_file}:mini")["eventNumber"].array(library="np")
    expected = mc_weight_by_hand(all_events)
    first = cutflow.rows[0]
    assert first.cut == "all" and first.entries == 39
    assert first.sum_w == pytest.approx(expected.sum(), rel=1e-12)
    assert first.sum_w2 == pytest.approx((expected**2).sum(), rel=1e-12)
    table = pd.read_hdf(skimmed.skim_file, "ggH125_ZZ4lep")
    last = cutflow.rows[-1]
    selected = mc_weight_by_hand(table.eventNumber)
    assert last.entries == len(table)
    assert last.sum_w == pytest.approx(selected.sum(), rel=1e-12)
    assert last.sum_w2 == pytest.approx((selected**2).sum(), rel=1e-12)
    entries = [row.entries for row in cutflow.rows]
    assert entries == sorted(entries, reverse=True)  # each cut keeps a subset


def test_normalisation_recorded(skimmed: skim.SkimResult) -> None:
    attrs = skim_table.attributes(skimmed.skim_file, "ggH125_ZZ4lep")
    assert attrs is not None
    assert attrs.xsec_pb == pytest.approx(0.0285, rel=1e-6)
    assert attrs.sum_weights == pytest.approx(123.5, rel=1e-6)
    assert attrs.lumi_fb == 10.0 and attrs.dsid == MC_DSID


def test_config_normalisation_overrides_branches(mc_file: Path, tmp_path: Path) -> None:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["samples"] = [
        {
            "name": "sig",
            "kind": "signal",
            "files": [str(mc_file)],
            "xsec_pb": 2.0,
            "sum_weights": 50.0,
            "lumi_fb": 1.5,
            "dsid": 7,
        }
    ]
    result = skim.run(skim.config.build(raw), output=tmp_path, progress=False)
    table = pd.read_hdf(result.skim_file, "sig")
    np.testing.assert_allclose(table.w_norm, 2.0 * 1500.0 / 50.0, rtol=1e-12)
    assert (table.dsid == 7).all()
