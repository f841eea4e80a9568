import json
from pathlib import Path

import pytest
from higgshunt import configuration
from higgshunt.errors import ConfigError

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["seed"],
    "properties": {
        "seed": {"type": "integer"},
        "samples": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "xsec_pb": {"type": "number"}},
            },
        },
    },
}


@pytest.fixture
def schema_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "toy.json").write_text(json.dumps(SCHEMA))
    monkeypatch.setattr(configuration, "SCHEMA_DIR", tmp_path)
    configuration.schema.cache_clear()
    yield tmp_path
    configuration.schema.cache_clear()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_valid_config_loads(schema_dir: Path, tmp_path: Path) -> None:
    config = configuration.load(write(tmp_path, "seed: 3\nsamples: [{name: ggH, xsec_pb: 1.5}]\n"), "toy")
    assert config == {"seed": 3, "samples": [{"name": "ggH", "xsec_pb": 1.5}]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 3\nsed: 4\n", "unknown key 'sed'"),
        (
            "seed: 3\nsamples: [{name: ggH, xsec_pbb: 1}]\n",
            "samples[0]: unknown key 'xsec_pbb' (did you mean 'xsec_pb'?)",
        ),
        ("seed: three\n", "seed: 'three' is not of type 'integer'"),
        ("samples: []\n", "'seed' is a required property"),
        ("- 1\n- 2\n", "expected a mapping"),
        ("seed: [\n", "not valid YAML"),
    ],
)
def test_bad_configs_name_file_and_key(schema_dir: Path, tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        configuration.load(path, "toy")
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(schema_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: cannot read config"):
        configuration.load(tmp_path / "nope.yaml", "toy")


DEFAULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "tree": {"type": "string", "default": "mini"},
        "output": {
            "type": "object",
            "default": {},
            "properties": {
                "level": {"type": "integer", "default": 5},
                "snapshot": {"type": "object", "default": {}, "properties": {"on": {"default": False}}},
            },
        },
        "optional": {"type": "object", "properties": {"x": {"default": 1}}},
        "histograms": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "bins": {"type": "integer", "default": 10},
                    "axes": {"type": "array", "items": {"$ref": "#/$defs/axis"}},
                },
            },
        },
    },
    "$defs": {"axis": {"type": "object", "properties": {"unit": {"type": "string", "default": "GeV"}}}},
}


@pytest.fixture
def defaults_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "defaults.json").write_text(json.dumps(DEFAULTS_SCHEMA))
    monkeypatch.setattr(configuration, "SCHEMA_DIR", tmp_path)
    configuration.schema.cache_clear()
    yield
    configuration.schema.cache_clear()


def test_defaults_fill_missing_keys_nested_blocks_and_arrays(defaults_schema: None) -> None:
    config = {"histograms": [{"bins": 3, "axes": [{}, {"unit": "MeV"}]}, {}]}
    filled = configuration.with_defaults(config, "defaults")
    assert filled == {
        "tree": "mini",
        "output": {"level": 5, "snapshot": {"on": False}},  # blocks defaulting to {} are created and filled
        "histograms": [
            {"bins": 3, "axes": [{"unit": "GeV"}, {"unit": "MeV"}]},  # through arrays and $ref
            {"bins": 10},
        ],
    }
    assert "optional" not in filled  # a block without a default stays absent
    assert config == {"histograms": [{"bins": 3, "axes": [{}, {"unit": "MeV"}]}, {}]}  # not modified


def test_given_values_win_over_defaults(defaults_schema: None) -> None:
    filled = configuration.with_defaults({"tree": "nominal", "output": {"level": 1}}, "defaults")
    assert filled["tree"] == "nominal" and filled["output"] == {"level": 1, "snapshot": {"on": False}}


def test_shipped_skim_defaults_come_from_the_schema() -> None:
    minimal = {
        "channel": "hzz4l",
        "definitions": {},
        "cuts": [{"name": "all", "expression": "true"}],
        "features": [{"name": "x", "expression": "1.0"}, {"name": "y", "expression": "2.0", "unit": "MeV"}],
    }
    filled = configuration.with_defaults(minimal, "skim")
    weights = configuration.schema("skim")["properties"]["weights"]["properties"]
    assert filled["weights"]["mc"] == weights["mc"]["default"]
    assert [feature["unit"] for feature in filled["features"]] == ["1", "MeV"]
    assert filled["output"]["snapshot"] == {"enabled": False, "algorithm": "lz4", "level": 4}


FIT = {"hist": "spectrum.root:mass", "mass_range": [100.0, 160.0]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signal": "voigt"}, "--signal: 'voigt' is not one of gauss, dscb"),
        ({"background": "pow"}, "--background: 'pow' is not one of exp, exppoly2, bern4"),
        ({"width": -1.0}, "--width: -1.0 must be positive"),
        ({"mass_window": 0.0}, "--mass-window: 0.0 must be positive"),
        ({"mass_range": [100.0]}, "--mass-range: [100.0] is too short"),
        ({"seed": -1}, "--seed: -1 is less than the minimum of 0"),
        ({"signal_mass": "high"}, "--signal-mass: 'high' is not of type 'number'"),
        ({"hist": None}, "options: top level: 'hist' is a required property"),
    ],
)
def test_fit_options_schema(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        configuration.validate_options(FIT | changes, "fit")
    assert str(info.value) == message


def test_fit_options_schema_accepts_defaults_and_unset_options() -> None:
    configuration.validate_options(FIT | {"signal_mass": None, "width": None, "signal": "dscb"}, "fit")
    filled = configuration.with_defaults(FIT, "fit")
    assert (filled["signal"], filled["background"], filled["seed"]) == ("gauss", "exp", 0)


def test_fit_schema_lists_the_fit_models() -> None:
    from higgshunt.fit import BACKGROUNDS, SIGNALS

    properties = configuration.schema("fit")["properties"]
    assert tuple(properties["signal"]["enum"]) == SIGNALS
    assert tuple(properties["background"]["enum"]) == BACKGROUNDS


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_numbers_are_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "detector.yaml"
    path.write_text(f"electrons:\n  efficiency:\n    pt_edges_gev: [10.0, {value}]\n")
    where = r"electrons\.efficiency\.pt_edges_gev\[1\]"
    with pytest.raises(ConfigError, match=where + ": .* is not a finite number"):
        configuration.load(path, "detector")
