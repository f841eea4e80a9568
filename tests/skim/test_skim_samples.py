"""Sample resolution: --input parsing, globs, URLs, the built-in manifest and --samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt import skim
from higgshunt.errors import ConfigError, InputError
from higgshunt.eventloop import samples

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, **extra: object) -> skim.SkimConfig:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw.update(extra)
    return skim.config.build(raw, source=str(tmp_path / "config.yaml"))


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


def test_manifest_grouping(tmp_path: Path) -> None:
    manifest = tmp_path / "generated" / "samples.json"
    manifest.parent.mkdir()
    entries = [
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
    manifest.write_text(json.dumps({"samples": entries}))
    config = _config(tmp_path, manifest=str(manifest))
    resolved = {s.name: s for s in samples.resolve(config)}
    assert sorted(resolved) == ["data", "ggH125_ZZ4lep", "llll"]
    assert resolved["data"].files == (
        str(manifest.parent / "4lep/Data/data_A.4lep.root"),
        str(manifest.parent / "4lep/Data/data_B.4lep.root"),
    )
    assert resolved["ggH125_ZZ4lep"].kind == "signal" and resolved["ggH125_ZZ4lep"].xsec_pb == 0.0285
    assert resolved["llll"].label == 0 and resolved["data"].label == -1
    only = samples.resolve(config, only=["llll"])
    assert [s.name for s in only] == ["llll"]
    with pytest.raises(ConfigError, match="unknown sample"):
        samples.resolve(config, only=["ttbar"])
    # --input replaces a manifest sample's files and keeps its metadata
    replaced = {s.name: s for s in samples.resolve(config, inputs={"llll": ["/x/llll.root"]})}
    assert replaced["llll"].files == ("/x/llll.root",) and replaced["llll"].kind == "background"


def test_missing_manifest_generates_the_skim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from higgshunt import generation

    manifest = tmp_path / "generated" / "samples.json"
    calls = []

    def fake_generate(settings, output, *, processes, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(processes)
        entry = {
            "path": "4lep/Data/data_pseudo10fb.4lep.root",
            "skim": "4lep",
            "process": "data",
            "kind": "data",
            "lumi_fb": 10.0,
        }
        Path(output).mkdir(parents=True, exist_ok=True)
        (Path(output) / "samples.json").write_text(json.dumps({"samples": [entry]}))

    monkeypatch.setattr(generation, "generate", fake_generate)
    resolved = samples.resolve(_config(tmp_path, manifest=str(manifest)))
    assert [s.name for s in resolved] == ["data"]
    (keys,) = calls
    assert keys and all(key.startswith("4lep/") for key in keys)  # only the config's skim is generated
