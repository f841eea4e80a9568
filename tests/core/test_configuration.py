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
