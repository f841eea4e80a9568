"""Training configs: the shipped ones validate, mistakes are named with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt import configuration
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
    training = configuration.schema("train")["properties"]["training"]["properties"]
    default_epochs = training["epochs"]["default"]
    assert config["training"]["folds"] == 2 and config["training"]["epochs"] == default_epochs
    again = settings.with_overrides(config, {"seed": 9, "output": "p", "lambdas": [1.0]})
    assert (
        again["training"]["seed"] == 9
        and again["output"] == "p"
        and again["adversarial"]["lambda_scan"] == []
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": 0}, "--epochs: 0 is less than the minimum of 1"),
        ({"folds": 0}, "--folds: 0 is less than the minimum of 1"),
        ({"backend": "catboost"}, "--backend: 'catboost' is not one of auto, xgboost, lightgbm, tmva"),
        ({"lambdas": [-1.0]}, "--lambda: -1.0 is less than the minimum of 0"),
        ({"output": "o", "seed": -3}, "--seed: -3 is less than the minimum of 0"),
    ],
)
def test_overrides_are_validated_again(overrides: dict, message: str) -> None:
    """`higgshunt train --config X --epochs 0` is a one-line error naming the option."""
    config = settings.load(CONFIGS / "train_hzz4l.yaml")
    with pytest.raises(ConfigError) as info:
        settings.with_overrides(config, overrides)
    assert str(info.value) == message


def test_defaults_come_from_the_schema() -> None:
    config = settings.from_options({"data": "t.csv", "features": ["a"], "model": "bdt", "output": "o"})
    assert config["bdt"]["n_trees"] == 1000 and config["data"]["fold_column"] == "fold"
    assert config["tune"]["space"]["width"] == [16, 32, 64] and config["competitor"] is None
    partial = settings.merged({**config, "tune": {"space": {"width": [8]}}})
    assert partial["tune"]["space"] == {"width": [8]}  # a given space replaces the default grid whole
    assert partial["tune"]["max_epochs"] == 20


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


def test_train_help_states_the_schema_defaults() -> None:
    import argparse

    from higgshunt import configuration
    from higgshunt.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    text = " ".join(parser.format_help().split())
    properties = configuration.schema("train")["properties"]
    training = properties["training"]["properties"]
    assert f"default {training['folds']['default']}" in text
    assert f"default {training['seed']['default']}" in text
    assert f"default {training['epochs']['default']}" in text
    assert f"default {properties['backend']['default']}" in text
    lam = properties["adversarial"]["properties"]["lambda"]["default"]
    assert f"default {lam:g}" in text
