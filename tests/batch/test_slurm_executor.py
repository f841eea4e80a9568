"""The skim through dask-jobqueue's SLURMCluster on a one-node SLURM cluster: the local run's outputs."""

from __future__ import annotations

from pathlib import Path

import dask
import pandas as pd
import pytest
from higgshunt import skim
from higgshunt.artifacts import skim_table

REPO = Path(__file__).resolve().parents[2]


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of the skim file, rows in event order (partitions may finish in any order)."""
    tables = {key: skim_table.read(path, key) for key in skim_table.keys(path)}
    return {
        key: frame.sort_values("eventNumber").reset_index(drop=True) if "eventNumber" in frame else frame
        for key, frame in tables.items()
    }


@pytest.mark.slow
def test_skim_on_slurm_matches_local(slurm_cluster: Path, real_4lep_file: Path, tmp_path: Path) -> None:
    config = skim.load(REPO / "configs" / "hzz4l.yaml")
    inputs = {"data": [str(real_4lep_file)]}
    local = skim.run(config, output=tmp_path / "local", inputs_by_name=inputs, progress=False)
    with dask.config.set({"jobqueue.slurm.log-directory": str(tmp_path / "jobs")}):  # not slurm-N.out here
        batch = skim.run(
            config,
            output=tmp_path / "slurm",
            inputs_by_name=inputs,
            executor="dask",
            cluster="slurm",
            npartitions=2,
            progress=False,
        )
    assert batch.processed == ["data"]
    assert [c.to_dict()["rows"] for c in batch.cutflows] == [c.to_dict()["rows"] for c in local.cutflows]
    ours = _tables(tmp_path / "slurm" / "hzz4l" / "skim.h5")
    theirs = _tables(tmp_path / "local" / "hzz4l" / "skim.h5")
    assert ours.keys() == theirs.keys() and ours
    for key, frame in theirs.items():
        pd.testing.assert_frame_equal(ours[key], frame, obj=key)
