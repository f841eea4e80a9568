"""The samples of a skim config: the built-in manifest (generated when missing) and --input beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt import skim

REPO = Path(__file__).resolve().parents[2]
DATA = {"path": "4lep/Data/data_pseudo10fb.4lep.root", "skim": "4lep", "process": "data", "kind": "data"}
SIGNAL = {
    "path": "4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root",
    "skim": "4lep",
    "process": "ggH125_ZZ4lep",
    "kind": "signal",
    "dsid": 345060,
}


def _config(tmp_path: Path, **extra: object) -> skim.SkimConfig:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw.update(extra)
    return skim.config.build(raw, source=str(tmp_path / "config.yaml"))


def test_missing_manifest_generates_the_skim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from higgshunt import generation

    manifest = tmp_path / "generated" / "samples.json"
    calls = []

    def fake_generate(settings, output, *, processes, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(processes)
        Path(output).mkdir(parents=True, exist_ok=True)
        (Path(output) / "samples.json").write_text(json.dumps({"samples": [{**DATA, "lumi_fb": 10.0}]}))

    monkeypatch.setattr(generation, "generate", fake_generate)
    resolved = skim.resolve_samples(_config(tmp_path, manifest=str(manifest)))
    assert [s.name for s in resolved] == ["data"]
    (keys,) = calls
    assert keys and all(key.startswith("4lep/") for key in keys)  # only the config's skim is generated


def test_input_data_with_the_built_in_simulation(tmp_path: Path) -> None:
    manifest = tmp_path / "generated" / "samples.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"samples": [DATA, SIGNAL]}))
    config = _config(tmp_path, manifest=str(manifest))
    real = str(tmp_path / "data_A.4lep.root")
    resolved = skim.resolve_samples(config, inputs={"data": [real]}, only=["data", "ggH125_ZZ4lep"])
    assert [(s.name, s.files) for s in resolved] == [
        ("data", (real,)),
        ("ggH125_ZZ4lep", (str(manifest.parent / SIGNAL["path"]),)),
    ]
