"""Bad inputs: one-line errors naming the file, nothing half-written, other samples intact; resume, force."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from higgshunt import skim
from higgshunt.artifacts import skim_table
from higgshunt.errors import ConfigError, InputError
from skim_ntuples import copy_ntuple

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "hzz4l.yaml"


@pytest.fixture(scope="module")
def config() -> skim.SkimConfig:
    return skim.load(CONFIG)


def _truncated(real: Path, path: Path) -> Path:
    data = real.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


BAD_FILES = {
    "missing": (lambda real, tmp: tmp / "does_not_exist.root", "cannot open"),
    "empty": (
        lambda real, tmp: (tmp / "empty.root").write_bytes(b"") and None or tmp / "empty.root",
        "cannot open",
    ),
    "corrupt": (
        lambda real, tmp: (
            (tmp / "corrupt.root").write_bytes(b"not a ROOT file" * 64) and None or tmp / "corrupt.root"
        ),
        "cannot open",
    ),
    "truncated": (lambda real, tmp: _truncated(real, tmp / "truncated.root"), "truncated|cannot open"),
    "no_tree": (lambda real, tmp: copy_ntuple(real, tmp / "no_tree.root", tree="other"), "no TTree 'mini'"),
    "missing_branch": (
        lambda real, tmp: copy_ntuple(real, tmp / "no_eta.root", drop=["lep_eta"]),
        "has no branch 'lep_eta'",
    ),
    "wrong_type": (
        lambda real, tmp: copy_ntuple(
            real, tmp / "double_pt.root", vectors={"lep_pt": ("double", lambda t: list(t.lep_pt))}
        ),
        "branch 'lep_pt' is vector<double>, expected vector<float>",
    ),
    "unreachable_url": (lambda real, tmp: "https://nonexistent.invalid/data_A.4lep.root", "cannot open"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_one_line_error_and_no_output(
    case: str, config: skim.SkimConfig, real_4lep_file: Path, tmp_path: Path
) -> None:
    make, message = BAD_FILES[case]
    bad = make(real_4lep_file, tmp_path)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=message) as info:
        skim.run(config, output=out, inputs_by_name={"data": [str(bad)]}, progress=False)
    text = str(info.value)
    assert str(bad) in text and "\n" not in text
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channel: hzz4l\ncutz: []\n", "unknown key 'cutz' (did you mean 'cuts'?)"),
        (
            "channel: hzz4l\nfolds: three\ndefinitions: {}\ncuts: [{name: a, expression: 'true'}]\n"
            "features: [{name: x, expression: '1'}]\n",
            "folds: 'three' is not of type 'integer'",
        ),
        (
            "channel: hzz4l\ndefinitions: {}\n"
            "cuts: [{name: a, expression: 'true'}, {name: a, expression: 'true'}]\n"
            "features: [{name: x, expression: '1'}]\n",
            "cut names must be unique",
        ),
        (
            "channel: hzz4l\ndefinitions: {}\ncuts: [{name: a, expression: 'true'}]\n"
            "features: [{name: x, expression: '1'}]\nhistograms: [{feature: y, bins: 2, low: 0, high: 1}]\n",
            "histograms[0].feature: 'y' is not an exported feature",
        ),
        (
            "channel: hzz4l\ndefinitions: {}\ncuts: [{name: a, expression: 'true'}]\n"
            "features: [{name: m4l, expression: '1'}]\n"
            "histograms: [{feature: m4L, bins: 2, low: 0, high: 1}]\n",
            "histograms[0].feature: 'm4L' is not an exported feature (did you mean 'm4l'?); known: m4l",
        ),
        (
            "channel: hzz4l\ndefinitions: {}\ncuts: [{name: a, expression: 'true'}]\n"
            "features: [{name: 'lep_pt', expression: '1', size: 2}]\n",
            "needs the placeholder {i}",
        ),
    ],
)
def test_bad_config_names_file_and_key(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        skim.load(path)
    assert str(path) in str(info.value) and message in str(info.value)


@pytest.mark.slow
def test_cli_exit_code_and_single_line(real_4lep_file: Path, tmp_path: Path) -> None:
    bad = copy_ntuple(real_4lep_file, tmp_path / "no_eta.root", drop=["lep_eta"])
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "python" / "run_skim.py"),
            "--config",
            str(CONFIG),
            "--output",
            str(tmp_path / "out"),
            "--input",
            f"data={bad}",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last == f"higgshunt skim: error: {bad}: tree 'mini' has no branch 'lep_eta'"
    assert not (tmp_path / "out" / "hzz4l" / "skim.h5").exists()


@pytest.mark.slow
def test_bad_expression_error_printed_once(real_4lep_file: Path, tmp_path: Path) -> None:
    """ROOT's interpreter prints its diagnostics (twice for this error): the one line says it instead."""
    config = tmp_path / "bad.yaml"
    config.write_text(CONFIG.read_text().replace('"n_good_lep == 4"', '"n_good_lep == fourr"'))
    out = subprocess.run(
        [sys.executable, "-m", "higgshunt.cli", "skim", "--config", str(config), "--output",
         str(tmp_path / "out"), "--input", f"data={real_4lep_file}", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.count("fourr") == 1, out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        f"higgshunt skim: error: {config}: cuts[1] (four_good_leptons): ROOT cannot use this expression: "
        "use of undeclared identifier 'fourr'"
    )


@pytest.mark.slow
def test_other_samples_intact_skip_bad_files_resume_and_force(
    config: skim.SkimConfig, real_4lep_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    good = {"data": [str(real_4lep_file)]}
    first = skim.run(config, output=out, inputs_by_name=good, progress=False)
    assert first.processed == ["data"]
    h5 = first.skim_file
    before = (h5.read_bytes(), (out / "hzz4l" / "histograms.root").read_bytes())

    # A bad second sample fails the run but leaves the first sample's outputs as they were.
    broken = copy_ntuple(real_4lep_file, tmp_path / "no_eta.root", drop=["lep_eta"])
    with pytest.raises(InputError, match="no_eta.root"):
        skim.run(config, output=out, inputs_by_name={**good, "data_B": [str(broken)]}, progress=False)
    assert (h5.read_bytes(), (out / "hzz4l" / "histograms.root").read_bytes()) == before

    # The same config and inputs again: nothing to do.
    again = skim.run(config, output=out, inputs_by_name=good, progress=False)
    assert again.resumed == ["data"] and again.processed == []

    # --skip-bad-files: the bad file is listed and dropped; the usable inputs are those of the complete run.
    skipped = skim.run(
        config,
        output=out,
        inputs_by_name={"data": [str(real_4lep_file), str(broken)]},
        skip_bad_files=True,
        progress=False,
    )
    assert list(skipped.bad_files) == [str(broken)] and skipped.resumed == ["data"]
    # ... and a bad file beside a good sample does not stop that sample.
    mixed = skim.run(
        config,
        output=out,
        inputs_by_name={**good, "data_B": [str(broken)]},
        skip_bad_files=True,
        progress=False,
    )
    assert list(mixed.bad_files) == [str(broken)] and mixed.resumed == ["data"]
    assert skim_table.keys(h5) == ["data"]

    forced = skim.run(config, output=out, inputs_by_name=good, force=True, progress=False)
    assert forced.processed == ["data"]
    assert not [p for p in (out / "hzz4l").iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_interrupted_run_resumes(
    config: skim.SkimConfig, real_4lep_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = dict(
        config.raw,
        output={**config.raw["output"], "snapshot": {"enabled": True, "algorithm": "lz4", "level": 4}},
    )
    config = skim.config.build(raw, source="with-snapshots.yaml")
    out = tmp_path / "out"
    inputs = {"data": [str(real_4lep_file)], "data_copy": [str(real_4lep_file)]}
    real_write = skim_table.write
    calls = []

    def write_then_die(path, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if calls:
            raise KeyboardInterrupt  # killed while writing the second sample
        calls.append(name)
        real_write(path, name, *args, **kwargs)

    monkeypatch.setattr(skim_table, "write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        skim.run(config, output=out, inputs_by_name=inputs, progress=False)
    monkeypatch.setattr(skim_table, "write", real_write)
    assert skim_table.keys(out / "hzz4l" / "skim.h5") == ["data"]
    assert not [p for p in (out / "hzz4l").rglob("*") if ".tmp-" in p.name]
    # the completed sample's Snapshot is in place (written before the table that marks the sample complete)
    assert (out / "hzz4l" / "snapshots" / "data.root").exists()
    resumed = skim.run(config, output=out, inputs_by_name=inputs, progress=False)
    assert resumed.resumed == ["data"] and resumed.processed == ["data_copy"]
    assert sorted(skim_table.keys(out / "hzz4l" / "skim.h5")) == ["data", "data_copy"]


def test_format_table_matches_the_real_file(real_4lep_file: Path) -> None:
    from higgshunt.eventloop import inputs

    # every branch of the reference file, with the C++ type its README gives
    assert inputs.check_file(str(real_4lep_file), "mini", sorted(inputs.ATLAS_BRANCH_TYPES)) == 39
    assert len(inputs.ATLAS_BRANCH_TYPES) == 81


def test_corrupt_skim_file_needs_force(config: skim.SkimConfig, real_4lep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    h5 = out / config.channel / skim_table.FILE_NAME
    h5.parent.mkdir(parents=True)
    h5.write_bytes(b"\x89HDF\r\n" + b"\0" * 4000)  # e.g. cut short by a full disk before writes were checked
    inputs = {"data": [str(real_4lep_file)]}
    with pytest.raises(skim_table.SkimTableError) as error:
        skim.run(config, output=out, inputs_by_name=inputs, progress=False)
    text = str(error.value)
    assert text.startswith(f"{h5}: not a readable HDF5 file") and text.endswith("remove it or use --force")
    forced = skim.run(config, output=out, inputs_by_name=inputs, force=True, progress=False)
    assert forced.processed == ["data"] and skim_table.keys(h5) == ["data"]


def _limited(command: list[str], tmp_path: Path, limit: int) -> subprocess.CompletedProcess[str]:
    """Run `command` with files limited to `limit` bytes, as under `ulimit -f`."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # no bytecode written: Python would install a truncated .pyc under the limit
        env={"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        timeout=300,
    )


@pytest.mark.slow
def test_histograms_full_disk_one_line_no_file(tmp_path: Path) -> None:
    script = """
import sys
import ROOT
from higgshunt.errors import OutputError
from higgshunt.skim import histogram_file
from higgshunt.skim.cutflow import Cutflow, CutflowRow

hists = {}
for i in range(40):
    hists[f"h{i}"] = ROOT.TH1D(f"h{i}", "", 2000, 0, 1)
    hists[f"h{i}"].FillRandom("gaus", 20000)
try:
    record = histogram_file.SampleRecord("open_data", None, {})
    cutflow = Cutflow("data", (CutflowRow("all", 3, 3.0, 3.0),))
    histogram_file.write("histograms.root", "data", hists, cutflow, record)
except OutputError as exc:
    sys.exit(str(exc))
"""
    done = _limited([sys.executable, "-W", "ignore", "-c", script], tmp_path, 60_000)
    assert done.returncode == 1
    assert done.stderr.strip() == "histograms.root: cannot write (File too large)"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".root"]


@pytest.mark.slow
def test_cli_full_disk_one_line_no_output(real_4lep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-W", "ignore", str(REPO / "python" / "run_skim.py"), "--config", str(CONFIG)]
    command += ["--output", str(out), "--input", f"data={real_4lep_file}", "--no-progress"]
    done = _limited(command, tmp_path, 10_240)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Error in <" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # after the INFO log lines
    assert last.startswith("higgshunt skim: error: ") and last.endswith(": cannot write (File too large)")
    # the table, written last, marks a sample complete: it is not there, so a rerun redoes the sample
    assert not (out / "hzz4l" / skim_table.FILE_NAME).exists()
    assert not [p for p in (out / "hzz4l").iterdir() if p.name.startswith(".")]
