"""Training configs: the shipped ones validate, mistakes are named with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt.errors import ConfigError
from higgshunt.learning import settings

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["train_hzz4l.yaml", "train_hyy.yaml", "train_trilepton.yaml"])
def test_shipped_configs_validate(name: str) -> None:
    config = settings.load(CONFIGS / name)
    assert config["training"]["seed"] > 0 and config["output"].startswith("outputs/")


def test_hzz4l_points_at_skim_and_competitor() -> None:
    config = settings.load(CONFIGS / "train_hzz4l.yaml")
    assert config["data"]["path"] == "outputs/hzz4l/skim.h5"
    assert len(config["competitor"]["features"]) == 24
    assert set(config["competitor"]["features"]) < set(config["data"]["features"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "data: {path: a.h5, features: [x]}\nmodel: dnn\noutput: o\ntraning: {}\n",
            "did you mean 'training'",
        ),
        ("data: {path: a.h5, features: [x]}\nmodel: svm\noutput: o\n", "model"),
        (
            "data: {path: a.h5, features: [x]}\nmodel: dnn\noutput: o\nnetwork: {activation: gelu}\n",
            "network.activation",
        ),
        ("data: {path: a.h5}\nmodel: dnn\noutput: o\n", "'features' is a required property"),
    ],
)
def test_bad_configs(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        settings.load(path)


def test_options_and_overrides() -> None:
    config = settings.from_options(
        {
            "data": "t.csv",
            "features": ["a", "b"],
            "model": "adversarial",
            "output": "o",
            "lambdas": [0.0, 3.0],
            "folds": 2,
            "label": None,
        }
    )
    assert config["adversarial"]["lambda"] == 3.0 and config["adversarial"]["lambda_scan"] == [0.0, 3.0]
    assert (
        config["training"]["folds"] == 2
        and config["training"]["epochs"] == settings.DEFAULTS["training"]["epochs"]
    )
    again = settings.with_overrides(config, {"seed": 9, "output": "p", "lambdas": [1.0]})
    assert (
        again["training"]["seed"] == 9
        and again["output"] == "p"
        and again["adversarial"]["lambda_scan"] == []
    )


def test_hzz4l_features_are_skim_columns() -> None:
    """Every input of the shipped H->4l training config is a column the skim config exports."""
    import yaml

    skim = yaml.safe_load((CONFIGS / "hzz4l.yaml").read_text())
    exported = set()
    for feature in skim["features"]:
        size = int(feature.get("size", 0))
        names = [feature["name"].format(i=i) for i in range(1, size + 1)] if size else [feature["name"]]
        exported.update(names)
    config = settings.load(CONFIGS / "train_hzz4l.yaml")
    assert set(config["data"]["features"]) <= exported
    assert config["data"]["mass"] in exported
