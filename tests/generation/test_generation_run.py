"""Command behaviour: determinism, resume after an interruption, bad configs, the CLI."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
import yaml
from higgshunt.cli import generate as generate_command
from higgshunt.errors import ConfigError
from higgshunt.generation import generate, load_config
from higgshunt.generation import run as run_module

REPO = Path(__file__).resolve().parents[2]

SMALL = ["4lep/VBFH125_ZZ4lep", "GamGam/VBFH125_gamgam"]


def _arrays(path: Path) -> dict[str, Any]:
    with uproot.open(path) as handle:  # the file's one tree, whichever release's layout
        (tree,) = {key.split(";")[0] for key in handle.keys(filter_classname="TTree")}
        return handle[tree].arrays(library="np")


@pytest.mark.slow
def test_same_seed_gives_identical_files(tmp_path: Path, samples_config: Any) -> None:
    # the second run in two worker processes: the result must not depend on --jobs
    for name, jobs in (("a", 1), ("b", 2)):
        generate(
            samples_config, tmp_path / name, events=60, processes=SMALL, seed=4, jobs=jobs, progress=False
        )
    other = generate(samples_config, tmp_path / "c", events=60, processes=SMALL[:1], seed=5, progress=False)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.root"))
    assert len(files) == 2
    for relative in files:
        first, second = _arrays(tmp_path / "a" / relative), _arrays(tmp_path / "b" / relative)
        assert first.keys() == second.keys()
        for name in first:
            assert all(np.array_equal(x, y) for x, y in zip(first[name], second[name], strict=True)), name
    changed = _arrays(other.directory / files[0])["lep_pt"]  # files[0] is the 4lep one
    assert not all(
        np.array_equal(x, y)
        for x, y in zip(changed, _arrays(tmp_path / "a" / files[0])["lep_pt"], strict=False)
    )


@pytest.mark.slow
def test_interrupted_run_leaves_no_partial_file_and_resumes(
    tmp_path: Path, samples_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = run_module.generate_sample
    calls: list[str] = []

    def interrupted(sample: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(sample.key)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(sample, *args, **kwargs)

    monkeypatch.setattr(run_module, "generate_sample", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate(samples_config, tmp_path, events=40, processes=SMALL, seed=2, progress=False)
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["mc_344235.VBFH125_ZZ4lep.4lep.root", "samples.json"]
    first = tmp_path / "4lep/MC/mc_344235.VBFH125_ZZ4lep.4lep.root"
    stamp = first.stat().st_mtime_ns

    calls.clear()
    monkeypatch.setattr(run_module, "generate_sample", real)
    manifest = generate(samples_config, tmp_path, events=40, processes=SMALL, seed=2, progress=False)
    assert first.stat().st_mtime_ns == stamp  # complete sample skipped
    assert {entry.path for entry in manifest.entries} == {
        "4lep/MC/mc_344235.VBFH125_ZZ4lep.4lep.root",
        "GamGam/MC/mc_345041.VBFH125_gamgam.GamGam.root",
    }
    document = json.loads(manifest.path.read_text())
    assert document["provenance"]["config_hash"]
    # a different size is a different sample: regenerated
    generate(samples_config, tmp_path, events=41, processes=SMALL[:1], seed=2, progress=False)
    assert first.stat().st_mtime_ns != stamp


def _write_config(tmp_path: Path, edit: Any) -> Path:
    source = Path(__file__).resolve().parents[2] / "configs"
    raw = yaml.safe_load((source / "samples.yaml").read_text())
    detector = yaml.safe_load((source / "detector.yaml").read_text())
    edit(raw, detector)
    (tmp_path / "detector.yaml").write_text(yaml.safe_dump(detector))
    (tmp_path / "samples.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path / "samples.yaml"


def test_config_is_typed_and_its_output_under_the_data_root(
    samples_config: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert samples_config.output == repo / "data" / "generated"  # the checkout, wherever the command runs
    assert samples_config.pseudodata.lumi_fb == (10.0, 36.0) and samples_config.batch_size > 0
    monkeypatch.setenv("HIGGSHUNT_ROOT", str(tmp_path))
    assert load_config(samples_config.path).output == tmp_path / "data" / "generated"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r, d: r.update(sed=1), "unknown key 'sed' (did you mean 'seed'?)"),
        (
            lambda r, d: r["processes"][0].update(evnts=3),
            "processes[0]: unknown key 'evnts' (did you mean 'events'?)",
        ),
        (lambda r, d: r["processes"][1].update(events=0), "processes[1].events"),
        (lambda r, d: r["processes"][2].update(skim="5lep"), "processes[2].skim"),
        (lambda r, d: r["processes"].append(dict(r["processes"][0])), "defined twice"),
        (lambda r, d: d["jets"].pop("radius"), "detector.yaml: jets: 'radius' is a required property"),
        (lambda r, d: d["muons"]["efficiency"]["values"].append(0.5), "muons.efficiency"),
        (lambda r, d: d["jets"]["btag"].update(efficiency_b=1.5), "jets.btag.efficiency_b"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, edit: Any, message: str) -> None:
    path = _write_config(tmp_path, edit)
    with pytest.raises(ConfigError, match=r"\.yaml") as error:
        load_config(path)
    assert message in str(error.value)


def test_bad_pythia_setting_names_sample(tmp_path: Path) -> None:
    path = _write_config(tmp_path, lambda r, d: r["processes"][0]["pythia"].append("HiggsSM:gg2Hxx = on"))
    config = load_config(path)
    with pytest.raises(
        ConfigError, match="4lep/ggH125_ZZ4lep: Pythia rejects the setting 'HiggsSM:gg2Hxx = on'"
    ):
        generate(config, tmp_path / "out", events=5, processes=["4lep/ggH125_ZZ4lep"], progress=False)


def test_unknown_process_on_command_line(samples_config: Any, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown process \\['ggH'\\]"):
        generate(samples_config, tmp_path, events=5, processes=["ggH"], progress=False)


@pytest.mark.slow
def test_cli_generates_and_reports_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    generate_command.add_arguments(parser)
    args = parser.parse_args(
        [
            "--config",
            str(Path(__file__).resolve().parents[2] / "configs/samples.yaml"),
            "--output",
            str(tmp_path),
            "--events",
            "20",
            "--processes",
            "VBFH125_ZZ4lep",
            "--seed",
            "3",
            "--jobs",
            "1",
            "--no-progress",
            "--lumi-fb",
            "36",
        ]
    )
    assert generate_command.run(args) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "samples.json")
    assert (tmp_path / "4lep/MC/mc_344235.VBFH125_ZZ4lep.4lep.root").exists()


def _columns(n: int) -> Any:
    """n events of zeros and empty collections in every branch."""
    from higgshunt.generation import ntuple

    data = ntuple.Columns.empty()
    data.values.update({name: np.zeros(n) for name, kind in ntuple.BRANCHES if not kind.startswith("vector")})
    data.values.update(
        {name: ntuple.empty_lists(n) for name, kind in ntuple.BRANCHES if kind.startswith("vector")}
    )
    data.values["eventNumber"] = np.arange(n)
    return data


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    import awkward as ak
    from higgshunt.generation import ntuple

    data = _columns(2)
    data.values["lep_pt"] = ak.Array([["not a number"], []])  # fails while the file is being written
    target = tmp_path / "mc_1.x.4lep.root"
    with pytest.raises(ValueError):
        ntuple.write(target, data)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_full_disk_leaves_no_file_and_one_line(tmp_path: Path) -> None:
    script = f"""
import resource, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_generation_run import _columns
from higgshunt.errors import OutputError
from higgshunt.generation import ntuple

data = _columns(20_000)
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
try:
    ntuple.write("mc_1.x.4lep.root", data)
except OutputError as exc:
    sys.exit(str(exc))
"""
    # no bytecode written: Python would install a truncated .pyc under the limit
    env = {"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "mc_1.x.4lep.root: cannot write (File too large)"
    assert list(tmp_path.iterdir()) == []


def test_unreadable_manifest_needs_force(tmp_path: Path) -> None:
    from higgshunt.artifacts.sample_manifest import SampleManifestError
    from higgshunt.generation.resume import Recorder

    (tmp_path / "samples.json").write_text("{cut short")
    with pytest.raises(SampleManifestError, match="not valid JSON"):
        Recorder(tmp_path, {"code_version": "test"})
    recorder = Recorder(tmp_path, {"code_version": "test"}, force=True)
    assert recorder.manifest.entries == () and not recorder.is_complete("a.root", "x")
