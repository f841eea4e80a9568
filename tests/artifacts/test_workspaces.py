"""workspaces/: pyhf workspaces and their index round trip; another version, corrupt or invalid files are one
WorkspaceError line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt.artifacts import spurious_signal, workspaces
from higgshunt.artifacts.spurious_signal import SpuriousSignalError
from higgshunt.artifacts.workspaces import WorkspaceError, Workspaces

SPEC = {
    "channels": [
        {
            "name": "cat",
            "samples": [
                {
                    "name": "sig",
                    "data": [1.0, 2.0],
                    "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                },
                {"name": "bkg", "data": [10.0, 9.0], "modifiers": []},
            ],
        }
    ],
    "observations": [{"name": "cat", "data": [12.0, 10.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0",
}


def test_workspaces_and_index_round_trip(tmp_path: Path) -> None:
    channels = {"cat": {"data_kind": "simulation", "blinded": False}, "empty": {"skipped": "no background"}}
    folder = workspaces.save(tmp_path, Workspaces({"cat": SPEC}, channels, {"code_version": "x"}))
    index = workspaces.load_index(tmp_path)
    assert index["format_version"] == workspaces.FORMAT_VERSION
    assert index["channels"]["cat"]["file"] == "cat.json" and index["channels"]["empty"] == {
        "skipped": "no background"
    }
    assert workspaces.load(folder / "cat.json") == SPEC
    assert sorted(p.name for p in folder.iterdir()) == ["cat.json", workspaces.INDEX_FILE]


def test_bad_workspace_files_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    path.write_text("{not json")
    with pytest.raises(WorkspaceError, match=r"ws.json: not a pyhf workspace \(JSON\): not valid JSON"):
        workspaces.load(path)
    path.write_text(json.dumps({**SPEC, "version": "2.0.0"}))
    with pytest.raises(WorkspaceError, match="of format version '2.0.0'"):
        workspaces.load(path)
    path.write_text(json.dumps({**SPEC, "observations": []}))
    with pytest.raises(WorkspaceError, match="ws.json: not a pyhf workspace"):
        workspaces.load(path)
    with pytest.raises(WorkspaceError, match="no such file"):
        workspaces.load_index(tmp_path)


def test_an_index_of_another_version_is_refused(tmp_path: Path) -> None:
    workspaces.save(tmp_path, Workspaces({"cat": SPEC}, {"cat": {}}, {}))
    index_path = workspaces.directory(tmp_path) / workspaces.INDEX_FILE
    document = json.loads(index_path.read_text())
    index_path.write_text(json.dumps({**document, "format_version": 99}))
    with pytest.raises(WorkspaceError, match="format version 99"):
        workspaces.load_index(tmp_path)


def test_a_spurious_signal_document_is_checked_against_its_schema(tmp_path: Path) -> None:
    with pytest.raises(SpuriousSignalError, match="spurious_signal.json"):
        spurious_signal.save(tmp_path, {"chosen": "exp"})
    assert not (tmp_path / spurious_signal.FILE_NAME).exists()
