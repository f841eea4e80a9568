"""The bump hunt records what its data are (open_data, pseudo_data, simulation) for the plots' label; without
a data sample the Asimov data set (the simulated total) stands in."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import uproot
import yaml
from higgshunt import bumphunt
from higgshunt.artifacts.sample_manifest import SampleManifestError
from higgshunt.bumphunt import data_kind
from higgshunt.errors import InputError
from higgshunt.eventloop.samples import Sample


def _samples(data_files: list[Path]) -> list[Sample]:
    signal = Sample(name="h", kind="signal", files=("h.root",))
    data = [Sample(name="data", kind="data", files=tuple(str(f) for f in data_files))] if data_files else []
    return [signal, *data]


def _manifest(folder: Path, files: list[Path], *, generated: bool = True) -> Any:
    """A stand-in skim config whose manifest lists `files` (as `higgshunt generate` writes it when
    `generated`)."""
    document: dict[str, Any] = {"samples": [{"path": str(f), "kind": "data"} for f in files]}
    if generated:
        document["provenance"] = {"code_version": "test"}
    path = folder / "samples.json"
    path.write_text(json.dumps(document))
    return SimpleNamespace(manifest_path=lambda: path)


def test_detect_from_the_data_files(tmp_path: Path) -> None:
    drawn, real = tmp_path / "pseudo.root", tmp_path / "real.root"
    skim = _manifest(tmp_path, [drawn])
    assert data_kind.detect("auto", skim, _samples([drawn])) == "pseudo_data"
    assert data_kind.detect("auto", skim, _samples([drawn, real])) == "open_data"
    assert data_kind.detect("auto", skim, _samples([])) == "simulation"
    assert data_kind.detect("open_data", skim, _samples([drawn])) == "open_data"  # the config's word wins
    ungenerated = _manifest(tmp_path, [drawn], generated=False)
    assert data_kind.detect("auto", ungenerated, _samples([drawn])) == "open_data"


def test_detect_without_a_manifest(tmp_path: Path) -> None:
    skim = SimpleNamespace(manifest_path=lambda: tmp_path / "missing.json")
    assert data_kind.detect("auto", skim, _samples([tmp_path / "data.root"])) == "open_data"


def test_detect_refuses_an_unreadable_manifest(tmp_path: Path) -> None:
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"format_version": 2, "samples": []}))
    skim = SimpleNamespace(manifest_path=lambda: path)
    with pytest.raises(SampleManifestError, match="format version 2, this higgshunt reads version 1"):
        data_kind.detect("auto", skim, _samples([tmp_path / "data.root"]))


@pytest.mark.slow
def test_hunt_records_its_data_kind(hunt: Any) -> None:
    assert hunt.summary["data_kind"] == "open_data"
    with uproot.open(hunt.root_file) as handle:
        assert handle["data_kind"].member("fTitle") == "open_data"


def _without_data(folder: Path, make_config: Any, **updates: Any) -> Path:
    path = make_config(folder, **updates)
    skim_path = folder / "skim.yaml"
    skim_raw = yaml.safe_load(skim_path.read_text())
    skim_raw["samples"] = [s for s in skim_raw["samples"] if s["kind"] != "data"]
    skim_path.write_text(yaml.safe_dump(skim_raw, sort_keys=False))
    return path


@pytest.mark.slow
def test_simulation_only_uses_the_asimov_data(make_config: Any, tmp_path: Path) -> None:
    config = bumphunt.load(_without_data(tmp_path, make_config))
    result = bumphunt.run(config, plots=False, fit=False, progress=False)
    assert result.summary["data_kind"] == "simulation"
    with uproot.open(result.root_file) as handle:
        assert handle["data_kind"].member("fTitle") == "simulation"
        for category in ("cutbased", "ml"):
            expected = sum(
                handle[f"{category}/total_{k}"].values(flow=True) for k in ("signal", "background")
            )
            assert expected.sum() > 0
            np.testing.assert_allclose(handle[f"{category}/data"].values(flow=True), expected, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["open_data", "pseudo_data"])
def test_data_kind_needs_data(make_config: Any, tmp_path: Path, setting: str) -> None:
    config = bumphunt.load(_without_data(tmp_path, make_config, data_kind=setting))
    with pytest.raises(InputError, match=f"data_kind: '{setting}' but no data sample"):
        bumphunt.run(config, plots=False, fit=False, progress=False)


@pytest.mark.slow
def test_simulation_with_data_is_an_error(make_config: Any, tmp_path: Path) -> None:
    config = bumphunt.load(make_config(tmp_path, data_kind="simulation"))
    with pytest.raises(InputError, match="data_kind: 'simulation' but a data sample"):
        bumphunt.run(config, plots=False, fit=False, progress=False)
