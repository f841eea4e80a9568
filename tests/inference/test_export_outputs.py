"""Output safety of `higgshunt export`: a folder is never replaced by the exported file (refused before any
conversion, one line), a model the C++ inference cannot hold is refused by name, and a full disk is one line
naming the output with nothing left under its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from higgshunt.artifacts import trained_model
from higgshunt.cli import main
from higgshunt.errors import ModelFormatError
from higgshunt.inference import export, export_model
from higgshunt.outputs import MARKER
from inference_models import train_bdt

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bdt_dir(make_bdt_dir) -> Path:
    return make_bdt_dir([train_bdt(20, seed=1), train_bdt(20, seed=2)])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("higgshunt export: error: "), err
    return err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"notes.txt": "keep"}, "was not written by higgshunt"),
        ({MARKER: "{}", "notes.txt": "keep"}, "is a folder; give a file name"),
        ({}, "is a folder; give a file name"),
    ],
)
def test_a_folder_is_never_replaced(
    bdt_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: dict[str, str],
    message: str,
) -> None:
    folder = tmp_path / "target"
    folder.mkdir()
    for name, text in content.items():
        (folder / name).write_text(text)

    def no_conversion(*args: object) -> None:
        raise AssertionError("converted although the output is refused")

    monkeypatch.setattr(export, "_convert", no_conversion)
    assert main(["export", str(bdt_dir), "--output", str(folder)]) == 1
    err = one_line_error(capsys)
    assert str(folder) in err and message in err
    assert sorted(p.name for p in folder.iterdir()) == sorted(content)


def test_tmva_models_are_refused_by_name(tmp_path: Path) -> None:
    weights = tmp_path / "BDTG.weights.xml"
    weights.write_text(
        '<?xml version="1.0"?><MethodSetup><Variables NVar="1">'
        '<Variable VarIndex="0" Expression="x" Label="x"/></Variables></MethodSetup>'
    )
    directory = tmp_path / "tmva"
    trained_model.save(
        directory,
        kind="bdt",
        backend="tmva",
        features=["x"],
        models=[weights],
        derived={},
        provenance={},
        settings={},
    )
    with pytest.raises(
        ModelFormatError, match="backend 'tmva'; only keras, xgboost and lightgbm models can be exported"
    ):
        export_model(directory)


def test_full_disk_is_one_line_and_leaves_nothing(bdt_dir: Path, tmp_path: Path, run_limited: Any) -> None:
    output = tmp_path / "exported.json"
    script = "import sys\nfrom higgshunt.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    done = run_limited(script, "export", str(bdt_dir), "--output", str(output), limit=20000)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"higgshunt export: error: {output}: cannot write (File too large)"
    ), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [bdt_dir.name]
