"""A compiled graph and ROOT's JIT of the same config give identical cutflows, tables and histograms: on the
real data file and on tiny generated simulation (weights from parameters and from branches)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
from higgshunt import skim
from higgshunt.artifacts import skim_table
from higgshunt.eventloop.compiled import cache
from higgshunt.generation import generate, load_config

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_4lep(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two built-in 4lep processes, a few dozen events each."""
    out = tmp_path_factory.mktemp("tiny4lep")
    settings = load_config(REPO / "configs" / "samples.yaml")
    generate(settings, out, events=60, seed=3, progress=False, processes=["4lep/ggH125_ZZ4lep", "4lep/llll"])
    return sorted(out.rglob("mc_*.root"))


def _skim(config: Any, out: Path, monkeypatch: pytest.MonkeyPatch, compiled: bool, **options: Any) -> Path:
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "1" if compiled else "0")
    return skim.run(config, output=out, progress=False, **options).channel_dir


def _assert_identical(jit: Path, compiled: Path) -> None:
    one, two = (json.loads((folder / "cutflow.json").read_text()) for folder in (jit, compiled))
    assert one["samples"] == two["samples"]
    for key in skim_table.keys(jit / "skim.h5"):
        expected, found = skim_table.read(jit / "skim.h5", key), skim_table.read(compiled / "skim.h5", key)
        assert len(expected) > 0
        assert expected.equals(found)  # values and dtypes (integer features stay integers)
    with uproot.open(jit / "histograms.root") as first, uproot.open(compiled / "histograms.root") as second:
        names = first.keys(filter_classname="TH1*")
        assert names and names == second.keys(filter_classname="TH1*")
        for name in names:
            assert np.array_equal(first[name].values(flow=True), second[name].values(flow=True))
            assert np.array_equal(first[name].variances(flow=True), second[name].variances(flow=True))


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> cache.CacheReport:
    monkeypatch.setenv("HIGGSHUNT_COMPILE_CACHE", str(tmp_path / "cache"))
    fresh = cache.CacheReport()
    monkeypatch.setattr(cache, "REPORT", fresh)
    return fresh


@pytest.mark.parametrize("channel", ["hzz4l", "trilepton"])
def test_compiled_and_jit_outputs_identical_on_real_data(
    channel: str,
    real_4lep_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    report: cache.CacheReport,
) -> None:
    config = skim.load(REPO / "configs" / f"{channel}.yaml")
    inputs = {"data": [str(real_4lep_file)]}
    jit = _skim(config, tmp_path / "jit", monkeypatch, False, inputs_by_name=inputs)
    compiled = _skim(config, tmp_path / "compiled", monkeypatch, True, inputs_by_name=inputs)
    assert (report.jit_graphs, report.compiled_graphs, report.misses) == (1, 1, 1)
    assert not report.fallbacks
    _assert_identical(jit, compiled)


def test_compiled_and_jit_identical_on_generated_simulation(
    tiny_4lep: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: cache.CacheReport
) -> None:
    """Two samples with their own cross-section and sum of weights share one library (parameters); a third
    reads them from the tree's branches (another graph, another library)."""
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    first, second = tiny_4lep
    raw["samples"] = [
        {"name": "a", "kind": "signal", "files": [str(first)], "xsec_pb": 0.0061, "sum_weights": 123.5},
        {"name": "b", "kind": "background", "files": [str(second)], "xsec_pb": 1.2, "sum_weights": 77.0},
        {"name": "c", "kind": "background", "files": [str(second)]},
    ]
    config = skim.config.build(raw, source=str(REPO / "configs" / "hzz4l.yaml"))
    jit = _skim(config, tmp_path / "jit", monkeypatch, False)
    monkeypatch.setenv("HIGGSHUNT_COMPILED", "1")
    result = skim.run(config, output=tmp_path / "compiled", progress=False)
    assert result.compiled is not None
    assert (result.compiled.compiled_graphs, result.compiled.misses, result.compiled.hits) == (3, 2, 1)
    _assert_identical(jit, result.channel_dir)
