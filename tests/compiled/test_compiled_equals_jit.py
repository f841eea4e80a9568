"""A compiled graph and ROOT's JIT of the same config give identical cutflows, tables and histograms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import uproot
from higgshunt import skim
from higgshunt.artifacts import skim_table
from higgshunt.eventloop.compiled import cache

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _skim(
    channel: str, files: list[Path], out: Path, monkeypatch: pytest.MonkeyPatch, compiled: bool
) -> Path:
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "1" if compiled else "0")
    config = skim.load(REPO / "configs" / f"{channel}.yaml")
    result = skim.run(config, output=out, inputs_by_name={"data": [str(f) for f in files]}, progress=False)
    return result.channel_dir


def _cutflows(folder: Path) -> object:
    document = json.loads((folder / "cutflow.json").read_text())
    document.pop("provenance", None)
    return document


@pytest.mark.parametrize("channel", ["hzz4l", "trilepton"])
def test_compiled_and_jit_outputs_identical(
    channel: str, real_4lep_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIGGSHUNT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "REPORT", cache.CacheReport())
    jit = _skim(channel, [real_4lep_file], tmp_path / "jit", monkeypatch, compiled=False)
    compiled = _skim(channel, [real_4lep_file], tmp_path / "compiled", monkeypatch, compiled=True)
    assert cache.REPORT.misses == 1 and not cache.REPORT.fallbacks
    assert _cutflows(jit) == _cutflows(compiled)
    for key in skim_table.keys(jit / "skim.h5"):
        expected, found = skim_table.read(jit / "skim.h5", key), skim_table.read(compiled / "skim.h5", key)
        assert len(expected) > 0
        assert expected.equals(found)
    with uproot.open(jit / "histograms.root") as one, uproot.open(compiled / "histograms.root") as two:
        names = one.keys(filter_classname="TH1*")
        assert names and names == two.keys(filter_classname="TH1*")
        for name in names:
            assert np.array_equal(one[name].values(flow=True), two[name].values(flow=True))
            assert np.array_equal(one[name].variances(flow=True), two[name].variances(flow=True))
