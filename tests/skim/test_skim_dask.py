"""The dask executor (2-worker local cluster) gives the local executor's cutflows, histograms, tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from higgshunt import skim
from higgshunt.skim import histogram_file

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def test_dask_matches_local(mc_file: Path, real_4lep_file: Path, tmp_path: Path) -> None:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["samples"] = [
        {"name": "ggH125_ZZ4lep", "kind": "signal", "files": [str(mc_file)]},
        {"name": "data", "kind": "data", "files": [str(real_4lep_file)]},
    ]
    config = skim.config.build(raw, source="test-config")
    local = skim.run(config, output=tmp_path / "local", threads=2, progress=False)
    dask = skim.run(config, output=tmp_path / "dask", executor="dask", npartitions=2, progress=False)
    assert sorted(local.processed) == sorted(dask.processed) == ["data", "ggH125_ZZ4lep"]

    for ours, theirs in zip(
        sorted(local.cutflows, key=lambda c: c.sample),
        sorted(dask.cutflows, key=lambda c: c.sample),
        strict=True,
    ):
        assert [(r.cut, r.entries) for r in ours.rows] == [(r.cut, r.entries) for r in theirs.rows]
        np.testing.assert_allclose([r.sum_w for r in ours.rows], [r.sum_w for r in theirs.rows], rtol=1e-12)
        np.testing.assert_allclose([r.sum_w2 for r in ours.rows], [r.sum_w2 for r in theirs.rows], rtol=1e-12)

    for sample in ("data", "ggH125_ZZ4lep"):
        # event order depends on threads and partitions: compare sorted by event
        a = pd.read_hdf(local.skim_file, sample).sort_values("eventNumber").reset_index(drop=True)
        b = pd.read_hdf(dask.skim_file, sample).sort_values("eventNumber").reset_index(drop=True)
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
        ha = histogram_file.read(local.channel_dir / "histograms.root", sample)
        hb = histogram_file.read(dask.channel_dir / "histograms.root", sample)
        assert sorted(ha) == sorted(hb)
        for name, hist in ha.items():
            bins = range(hist.GetNbinsX() + 2)
            np.testing.assert_allclose(
                [hist.GetBinContent(i) for i in bins], [hb[name].GetBinContent(i) for i in bins], rtol=1e-12
            )
            np.testing.assert_allclose(
                [hist.GetBinError(i) for i in bins], [hb[name].GetBinError(i) for i in bins], rtol=1e-12
            )
