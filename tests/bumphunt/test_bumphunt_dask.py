"""The bump hunt on a 2-worker Dask LocalCluster gives the histograms and score cuts of the local run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
from higgshunt import bumphunt

pytestmark = pytest.mark.slow
CATEGORIES = ("cutbased", "ml", "ml_cat1", "ml_cat2")


def test_dask_gives_the_local_histograms(make_config: Any, hunt: Any, tmp_path: Path) -> None:
    config = bumphunt.load(make_config(tmp_path / "dask"))
    result = bumphunt.run(config, executor="dask", npartitions=2, plots=False, fit=False, progress=False)
    assert result.summary["selections"] == hunt.summary["selections"]
    with uproot.open(hunt.root_file) as local, uproot.open(result.root_file) as dask:
        for category in CATEGORIES:
            names = [key.split(";")[0] for key in local[category].keys(filter_classname="TH1D")]
            assert {"data", "H125", "total_signal", "total_background"} <= set(names)
            for name in names:
                ours, theirs = local[f"{category}/{name}"], dask[f"{category}/{name}"]
                assert ours.values(flow=True).sum() > 0 or name != "data"
                np.testing.assert_allclose(theirs.values(flow=True), ours.values(flow=True), rtol=1e-9)
                np.testing.assert_allclose(theirs.variances(flow=True), ours.variances(flow=True), rtol=1e-9)
