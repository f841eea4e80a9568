"""Bad configs and inputs: one-line errors naming the file and key, and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from higgshunt import bumphunt
from higgshunt.artifacts import category_histograms, workspaces
from higgshunt.cli import main
from higgshunt.errors import ConfigError, InputError, ModelFormatError
from higgshunt.outputs import MARKER


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ({"window": [118.0, 132.5]}, "window: 118.0 is not a bin edge"),
        ({"window": [132.5, 117.5]}, "window: [132.5, 117.5] must be increasing"),
        (
            {"mass": {"feature": "m4lep", "bins": 24, "low": 80, "high": 170}},
            "mass.feature: 'm4lep' is not a feature",
        ),
        ({"model": "/nonexistent/model"}, "model: /nonexistent/model is not a trained-model directory"),
        ({"processes": [{"name": "data", "samples": ["signal_h125"]}]}, "['data'] are reserved names"),
        ({"score": {"column": "m4l"}}, "score.column: 'm4l' is already a feature"),
        ({"fit": {"range": [60, 170]}}, "fit.range: [60, 170] must be increasing and inside"),
        ({"optimisation": {"categoreis": 2}}, "did you mean 'categories'"),
        ({"skim": "missing.yaml"}, "skim: no skim config"),
    ],
)
def test_config_errors(make_config: Any, tmp_path: Path, updates: dict[str, Any], message: str) -> None:
    path = make_config(tmp_path, **updates)
    with pytest.raises(ConfigError) as error:
        bumphunt.load(path)
    assert message in str(error.value) and str(path) in str(error.value)
    assert "\n" not in str(error.value)


def _run_fails(path: Path, error: type[Exception], message: str) -> None:
    config = bumphunt.load(path)
    with pytest.raises(error, match=message):
        bumphunt.run(config, plots=False, fit=False, progress=False)
    assert not config.output.exists()
    assert not list(config.output.parent.glob(".out.tmp-*"))


def test_missing_sample_file(make_config: Any, tmp_path: Path) -> None:
    missing = tmp_path / "gone.root"
    path = make_config(tmp_path, files={"background_zz": str(missing)})
    _run_fails(path, InputError, f"{missing}: cannot open as a ROOT file")


def test_missing_background_sample(make_config: Any, tmp_path: Path) -> None:
    # without data the Asimov data set stands in (test_bumphunt_data_kind), without background nothing can
    path = make_config(tmp_path)
    skim = path.parent / "skim.yaml"
    raw = yaml.safe_load(skim.read_text())
    raw["samples"] = [sample for sample in raw["samples"] if sample["kind"] != "background"]
    skim.write_text(yaml.safe_dump(raw, sort_keys=False))
    _run_fails(path, InputError, "no background sample among")


@pytest.mark.slow
def test_empty_selection(make_config: Any, tmp_path: Path) -> None:
    cuts = [{"name": "impossible", "expression": "lep_n > 99"}]
    path = make_config(tmp_path, skim_updates={"cuts": cuts})
    _run_fails(path, InputError, "cut-based data histogram of m4l is empty")


def test_unknown_sample_in_process(make_config: Any, tmp_path: Path) -> None:
    path = make_config(tmp_path, processes=[{"name": "VV", "samples": ["diboson"]}])
    _run_fails(path, InputError, r"processes\[0\] \(VV\): no sample\(s\) \['diboson'\]")


def test_model_of_another_version(make_config: Any, inputs_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for item in (inputs_dir / "model").iterdir():
        if item.name != "higgshunt_model.json":
            (model / item.name).write_bytes(item.read_bytes())
    manifest = model / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": 3', '"version": 99'))
    path = make_config(tmp_path, model=str(model))
    _run_fails(path, ModelFormatError, "version")


def test_cli_error_is_one_line(make_config: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_config(tmp_path)
    assert main(["bumphunt", "--config", str(path), "--model", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        err[-1].startswith("higgshunt bumphunt: error: ")
        and "nothing is not a trained-model directory" in err[-1]
    )


@pytest.mark.slow
def test_cli_runs_and_prints_the_table(
    make_config: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, optimisation={"categories": 1})
    output = tmp_path / "cli_out"
    code = main(
        [
            "bumphunt",
            "--config",
            str(path),
            "--output",
            str(output),
            "--no-fit",
            "--no-plots",
            "--no-progress",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "cutbased" in printed and "ml " in printed and f"written to {output}" in printed
    assert sorted(p.name for p in output.iterdir()) == sorted(
        [MARKER, category_histograms.FILE_NAME, "summary.json", workspaces.DIRECTORY]
    )


@pytest.mark.parametrize("limit", [8192, 60_000])
def test_a_full_disk_leaves_no_output(make_config: Any, tmp_path: Path, run_limited: Any, limit: int) -> None:
    """Under `ulimit -f` ROOT only prints a SysError; the run must still fail with one line naming the output
    and leave no output folder (no bumphunt.root without keys), nor a temporary one."""
    path = make_config(tmp_path / "config")
    # a first run exports the model for the C++ inference beside it; the limit is for the bump hunt's output
    bumphunt.run(bumphunt.load(path), plots=False, fit=False, progress=False)
    output = tmp_path / "out"
    script = "import sys\nfrom higgshunt.cli import main\nsys.exit(main(['bumphunt', *sys.argv[1:]]))\n"
    done = run_limited(script, "--config", str(path), "--output", str(output), "--no-progress", limit=limit)
    errors = [line for line in done.stderr.splitlines() if not line.startswith(("INFO", "WARNING"))]
    assert done.returncode == 1, done.stderr
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"higgshunt bumphunt: error: {output}") and "File too large" in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]
