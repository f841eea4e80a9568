"""Config loading: defaults, feature expansion, and the checks beyond the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from higgshunt import skim
from higgshunt.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MINIMAL = {
    "channel": "hzz4l",
    "definitions": {},
    "cuts": [{"name": "all_events", "expression": "true"}],
    "features": [{"name": "x", "expression": "1.0"}],
}


@pytest.mark.parametrize("channel", ["hzz4l", "hyy", "trilepton"])
def test_shipped_configs_load(channel: str) -> None:
    config = skim.load(REPO / "configs" / f"{channel}.yaml")
    assert config.channel == channel and config.folds == 3 and len(config.hash) == 64


def test_hzz4l_exports_competitor_features_in_order() -> None:
    names = skim.load(REPO / "configs" / "hzz4l.yaml").feature_names
    competitor = [f"lep{i}_{q}" for q in ("pt", "e", "charge", "pdgId", "phi", "eta") for i in range(1, 5)]
    assert names[:24] == competitor
    assert {"m4l", "m12", "m34"} <= set(names)


def test_trilepton_rmm_columns() -> None:
    config = skim.load(REPO / "configs" / "trilepton.yaml")
    rmm = [f for f in config.features if f.name.startswith("rmm_")]
    assert len(rmm) == 441 and rmm[22].name == "rmm_1_1" and rmm[22].index == 22
    assert {f.source for f in rmm} == {rmm[0].source}  # one defined column, 441 elements


def test_defaults_and_units() -> None:
    raw = {
        **MINIMAL,
        "features": [
            {"name": "pt{i}", "expression": "v", "unit": "MeV", "size": 2},
            {"name": "y", "expression": "2"},
        ],
    }
    config = skim.config.build(raw)
    assert config.tree == "mini" and config.compression == skim.config.Compression("blosc", 5)
    assert [(f.name, f.index, f.to_gev) for f in config.features] == [
        ("pt1", 0, True),
        ("pt2", 1, True),
        ("y", None, False),
    ]


def test_typed_settings() -> None:
    config = skim.config.build(
        {**MINIMAL, "histograms": [{"feature": "x", "bins": 4, "low": 0, "high": 2}], "weights": {"mc": "w"}}
    )
    assert config.histograms == (skim.config.Histogram("x", "x", "x;x;events", 4, 0.0, 2.0),)
    assert config.weights == skim.config.Weights("w", (), "XSection", "SumWeights")
    assert config.cuts == (skim.config.Cut("all_events", "true"),) and config.samples == ()
    assert not config.snapshot.enabled and config.skim is None and config.declarations is None


def test_manifest_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative manifest is found under the data root ($HIGGSHUNT_ROOT, else the checkout), also when a
    loaded config is built again from its `raw`."""
    monkeypatch.delenv("HIGGSHUNT_ROOT", raising=False)
    assert skim.config.build(MINIMAL).manifest_path() == REPO / "data" / "generated" / "samples.json"
    monkeypatch.setenv("HIGGSHUNT_ROOT", str(tmp_path))
    path = tmp_path / "configs" / "mine.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(MINIMAL))
    config = skim.load(path)
    assert config.manifest_path() == tmp_path / "data" / "generated" / "samples.json"
    assert config.raw["manifest"] == "data/generated/samples.json"  # what is hashed stays as written
    assert skim.config.build(config.raw, source=str(path)).manifest_path() == config.manifest_path()
    path.write_text(yaml.safe_dump({**MINIMAL, "manifest": "/elsewhere/samples.json"}))
    assert skim.load(path).manifest_path() == Path("/elsewhere/samples.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": [{"name": "weight", "expression": "1"}]}, "reserved columns"),
        (
            {"features": [{"name": "x", "expression": "1"}, {"name": "x", "expression": "2"}]},
            "must be unique",
        ),
        ({"definitions": {"x": "1"}}, "also definitions"),
        ({"samples": [{"name": "a", "kind": "data"}, {"name": "a", "kind": "data"}]}, "sample names"),
        ({"histograms": [{"feature": "x", "bins": 2, "low": 1, "high": 0}]}, "must be below high"),
        ({"samples": [{"name": "1bad", "kind": "data"}]}, "does not match"),
        ({"samples": [{"name": "a", "kind": "mc"}]}, "is not one of"),
    ],
)
def test_semantic_errors(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        skim.config.build({**MINIMAL, **change}, source="my.yaml")
    assert str(info.value).startswith("my.yaml: ")


def test_a_copied_config_may_name_its_own_channel(tmp_path: Path) -> None:
    document = yaml.safe_load((REPO / "configs" / "hzz4l.yaml").read_text())
    document["channel"] = "my4l"
    path = tmp_path / "my4l.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert skim.load(path).channel == "my4l"
    document["channel"] = "../elsewhere"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(ConfigError, match="channel"):
        skim.load(path)
