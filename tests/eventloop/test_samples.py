"""Sample resolution: --input parsing, globs, URLs, grouping the sample manifest, --samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt.artifacts import sample_manifest
from higgshunt.errors import ConfigError, InputError
from higgshunt.eventloop import samples

ENTRIES = [
    {
        "path": "4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root",
        "skim": "4lep",
        "process": "ggH125_ZZ4lep",
        "dsid": 345060,
        "kind": "signal",
        "xsec_pb": 0.0285,
        "sum_weights": 100.0,
        "n_events": 10,
    },
    {
        "path": "4lep/MC/mc_363490.llll.4lep.root",
        "skim": "4lep",
        "process": "llll",
        "dsid": 363490,
        "kind": "background",
        "xsec_pb": 1.25,
        "sum_weights": 50.0,
        "n_events": 10,
    },
    {
        "path": "4lep/Data/data_A.4lep.root",
        "skim": "4lep",
        "process": "data",
        "kind": "data",
        "lumi_fb": 10.0,
    },
    {
        "path": "4lep/Data/data_B.4lep.root",
        "skim": "4lep",
        "process": "data",
        "kind": "data",
        "lumi_fb": 10.0,
    },
    {
        "path": "4lep/Data/data_pseudo36fb.4lep.root",
        "skim": "4lep",
        "process": "data",
        "kind": "data",
        "lumi_fb": 36.0,
    },
    {"path": "GamGam/Data/data_A.GamGam.root", "skim": "GamGam", "process": "data", "kind": "data"},
]


@pytest.fixture
def manifest(tmp_path: Path) -> dict[str, samples.Sample]:
    """The 4lep samples of a hand-written manifest (no format_version, as the tests have always written)."""
    path = tmp_path / "generated" / "samples.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"samples": ENTRIES}))
    return samples.samples_from_manifest(sample_manifest.load(path), "4lep", lumi_fb=10.0)


def test_parse_inputs_groups_repeated_names() -> None:
    assert samples.parse_inputs(["data=a.root", "data=b.root", "zz=c.root"]) == {
        "data": ["a.root", "b.root"],
        "zz": ["c.root"],
    }
    with pytest.raises(ConfigError, match="expected NAME=PATH"):
        samples.parse_inputs(["just_a_path.root"])
    with pytest.raises(ConfigError, match="must be a Python identifier"):
        samples.parse_inputs(["my-sample=a.root"])


def test_expand_globs_sorted_urls_untouched(tmp_path: Path) -> None:
    for name in ("b.root", "a.root", "c.txt"):
        (tmp_path / name).write_bytes(b"")
    url = "root://eospublic.cern.ch//eos/opendata/atlas/data_A.4lep.root"
    files = samples.expand([str(tmp_path / "*.root"), url, "https://example.org/x.root"])
    assert files == (str(tmp_path / "a.root"), str(tmp_path / "b.root"), url, "https://example.org/x.root")
    with pytest.raises(InputError, match="matches no file"):
        samples.expand([str(tmp_path / "*.none")])


def test_manifest_grouping(tmp_path: Path, manifest: dict[str, samples.Sample]) -> None:
    resolved = {s.name: s for s in samples.resolve([], source="config.yaml", manifest=manifest)}
    assert sorted(resolved) == ["data", "ggH125_ZZ4lep", "llll"]
    folder = tmp_path / "generated"
    assert resolved["data"].files == (
        str(folder / "4lep/Data/data_A.4lep.root"),
        str(folder / "4lep/Data/data_B.4lep.root"),
    )
    assert resolved["ggH125_ZZ4lep"].kind == "signal" and resolved["ggH125_ZZ4lep"].xsec_pb == 0.0285
    assert resolved["llll"].label == 0 and resolved["data"].label == -1
    only = samples.resolve([], source="config.yaml", only=["llll"], manifest=manifest)
    assert [s.name for s in only] == ["llll"]
    with pytest.raises(ConfigError, match="unknown sample"):
        samples.resolve([], source="config.yaml", only=["ttbar"], manifest=manifest)


def test_input_replaces_files_and_keeps_metadata(manifest: dict[str, samples.Sample]) -> None:
    entries = [{"name": "llll"}, {"name": "ggH125_ZZ4lep"}]
    replaced = {
        s.name: s
        for s in samples.resolve(
            entries, source="config.yaml", inputs={"llll": ["/x/llll.root"]}, manifest=manifest
        )
    }
    assert replaced["llll"].files == ("/x/llll.root",) and replaced["llll"].xsec_pb == 1.25
    assert replaced["ggH125_ZZ4lep"].files == manifest["ggH125_ZZ4lep"].files


def test_input_data_beside_the_manifest_samples(manifest: dict[str, samples.Sample]) -> None:
    calls = []

    def provide() -> dict[str, samples.Sample]:
        calls.append(1)
        return manifest

    real = {"data": ["/eos/data_A.4lep.root"]}
    # --input alone: only the input runs, and the manifest is not even read
    alone = samples.resolve([], source="config.yaml", inputs=real, manifest=provide)
    assert [s.name for s in alone] == ["data"] and not calls
    # ... but the manifest's simulated samples stay known to --samples
    both = samples.resolve(
        [], source="config.yaml", inputs=real, only=["data", "ggH125_ZZ4lep", "llll"], manifest=provide
    )
    by_name = {s.name: s for s in both}
    assert sorted(by_name) == ["data", "ggH125_ZZ4lep", "llll"]
    assert by_name["data"].files == ("/eos/data_A.4lep.root",) and by_name["data"].is_data
    assert by_name["llll"].files == manifest["llll"].files
    # a new name adds a sample beside the configured ones
    entries = [{"name": "ggH125_ZZ4lep"}]
    added = samples.resolve(
        entries, source="config.yaml", inputs={"data_real": ["/r.root"]}, manifest=provide
    )
    assert [(s.name, s.kind) for s in added] == [("ggH125_ZZ4lep", "signal"), ("data_real", "data")]


def test_sample_missing_from_the_manifest(manifest: dict[str, samples.Sample]) -> None:
    with pytest.raises(ConfigError, match="'ttbar' has no files and is not in the manifest m.json"):
        samples.resolve([{"name": "ttbar"}], source="c.yaml", manifest=manifest, manifest_path="m.json")


def test_manifest_of_another_skim(tmp_path: Path) -> None:
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"samples": ENTRIES}))
    with pytest.raises(InputError, match="no files of skim '2lep'"):
        samples.samples_from_manifest(sample_manifest.load(path), "2lep")
    path.write_text(json.dumps({"samples": [{"path": "a.root", "kind": "signal"}]}))
    with pytest.raises(InputError, match=r"samples\[0\] \(a.root\): missing key 'skim'"):
        samples.samples_from_manifest(sample_manifest.load(path), "4lep")
