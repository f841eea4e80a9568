"""--max-events, Snapshot output and expression errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import uproot
from higgshunt import skim
from higgshunt.errors import ConfigError

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def test_max_events_and_zstd_snapshot(real_4lep_file: Path, tmp_path: Path) -> None:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["output"]["snapshot"] = {"enabled": True, "algorithm": "zstd", "level": 5}
    config = skim.config.build(raw, source="test-config")
    result = skim.run(
        config,
        output=tmp_path,
        inputs_by_name={"data": [str(real_4lep_file)]},
        max_events=20,
        threads=2,
        progress=False,
    )
    (cutflow,) = result.cutflows
    assert cutflow.rows[0].entries == 20
    # the yields are those of the events read, and say so (cutflow, table, cutflow.json)
    note = "yields cover 20 of 39 events (--max-events), not rescaled"
    assert cutflow.events_available == 39 and cutflow.partial_note == note
    assert f"note: {note}" in skim.format_table([cutflow])
    assert json.loads((tmp_path / "hzz4l" / "cutflow.json").read_text())["notes"] == {"data": note}
    table = pd.read_hdf(result.skim_file, "data")
    # charges, pdgIds and jet counts are stored as integers, kinematics as floats
    leptons = [f"lep{i}_{name}" for i in range(1, 5) for name in ("charge", "pdgId")]
    integers = [*leptons, "n_jets", "n_jets_30"]
    assert {str(table[name].dtype) for name in integers} == {"int32"}
    assert set(table.lep1_charge.abs()) <= {1} and set(table.lep1_pdgId.abs()) <= {11, 13}
    assert table["m4l"].dtype == "float64"
    snapshot = tmp_path / "hzz4l" / "snapshots" / "data.root"
    tree = uproot.open(f"{snapshot}:mini")
    assert tree.num_entries == len(table) == cutflow.rows[-1].entries
    assert sorted(tree["eventNumber"].array(library="np")) == sorted(table.eventNumber)
    assert set(config.feature_names) <= set(tree.keys())
    import ROOT

    handle = ROOT.TFile.Open(str(snapshot))
    assert handle.GetCompressionAlgorithm() == ROOT.RCompressionSetting.EAlgorithm.kZSTD
    handle.Close()
    assert not [p for p in snapshot.parent.iterdir() if ".tmp-" in p.name]


def test_bad_expression_names_the_config_key(real_4lep_file: Path, tmp_path: Path) -> None:
    raw = skim.load(REPO / "configs" / "hzz4l.yaml").raw
    raw["cuts"][1]["expression"] = "n_good_leptons == 4"  # misspelt column
    config = skim.config.build(raw, source="hzz4l-typo.yaml")
    with pytest.raises(ConfigError, match=r"hzz4l-typo.yaml: cuts\[1\] \(four_good_leptons\)"):
        skim.run(config, output=tmp_path, inputs_by_name={"data": [str(real_4lep_file)]}, progress=False)
    assert not (tmp_path / "hzz4l" / "skim.h5").exists()


def test_json_summary_is_all_of_stdout_on_every_run(
    real_4lep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from higgshunt.cli import main

    command = ["skim", "--config", "hzz4l", "--input", f"data={real_4lep_file}", "--output", str(tmp_path)]
    assert main([*command, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["processed"] == ["data"] and first["resumed"] == []
    rows = first["cutflows"]["data"]
    assert rows[0]["entries"] == 39 and rows[-1]["entries"] == 10
    assert main([*command, "--json"]) == 0  # a rerun finds the sample complete
    second = json.loads(capsys.readouterr().out)
    assert second["processed"] == [] and second["resumed"] == ["data"] and second["cutflows"] == {}
    assert main(command) == 0
    human = capsys.readouterr().out
    assert "complete already: data" in human and f"written to {tmp_path / 'hzz4l'}" in human
    assert "{" not in human


def test_stdout_is_one_json_document_in_a_subprocess(real_4lep_file: Path, tmp_path: Path) -> None:
    """Everything but the JSON (logs, ROOT's progress lines) goes to stderr, on the first run too."""
    command = [sys.executable, "-m", "higgshunt.cli", "skim", "--config", "hzz4l", "--json", "--progress"]
    command += ["--input", f"data={real_4lep_file}", "--output", str(tmp_path), "--max-events", "25"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    for run in ("first", "resumed"):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["processed" if run == "first" else "resumed"] == ["data"]
        if run == "first":
            assert summary["notes"] == {"data": "yields cover 25 of 39 events (--max-events), not rescaled"}
            assert "yields cover 25 of 39 events" in done.stderr  # the log says so too
        assert ".tmp" not in done.stderr  # logs name the final files, not temporary ones
