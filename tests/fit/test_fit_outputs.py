"""Where `higgshunt fit` writes: the output folder whole (fit result and plots) or nothing; a full disk, an
unwritable folder, a user's folder or the folder of the input histogram give one OutputError line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fit_toys import toy_file
from higgshunt.artifacts import fit_result
from higgshunt.errors import OutputError
from higgshunt.fit import FitOptions, run_fit
from higgshunt.outputs import MARKER


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return toy_file(tmp_path_factory.mktemp("toy") / "toy.root", 7)


def _options(toy: Path) -> FitOptions:
    return FitOptions(hist=f"{toy}:mass", mass_range=(100.0, 160.0), signal_mass=125.0, width=2.0)


def test_the_output_folder_is_written_whole_and_reads_back(toy, tmp_path) -> None:
    result = run_fit(_options(toy), tmp_path / "fit")
    assert sorted(p.name for p in (tmp_path / "fit").iterdir()) == sorted(
        [MARKER, fit_result.FILE_NAME, "fit.png", "fit.pdf"]
    )
    record = fit_result.load(tmp_path / "fit")
    assert record.result.mass == result.mass and record.result.mass_window == result.mass_window
    assert record.inputs["hist"] == f"{toy}:mass" and "python" in str(record.provenance).lower()
    # a rerun replaces its own output
    run_fit(_options(toy), tmp_path / "fit", plots=False)
    assert sorted(p.name for p in (tmp_path / "fit").iterdir()) == sorted([MARKER, fit_result.FILE_NAME])


def test_a_folder_higgshunt_did_not_write_is_kept(toy, tmp_path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="was not written by higgshunt"):
        run_fit(_options(toy), folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_the_folder_of_the_input_is_refused(toy) -> None:
    with pytest.raises(OutputError, match="holds this command's input"):
        run_fit(_options(toy), toy.parent)
    assert toy.exists()


def test_an_unwritable_output_folder_is_an_output_error(toy, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OutputError, match=r"file/fit|file: cannot write"):
        run_fit(_options(toy), blocker / "fit")


@pytest.fixture
def immutable_folder(tmp_path):
    """A folder nobody may write into, root included (`chattr +i`; root ignores chmod)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_an_immutable_output_folder_is_an_output_error(toy, immutable_folder) -> None:
    with pytest.raises(OutputError, match=r"locked/fit: cannot write \(Operation not permitted\)"):
        run_fit(_options(toy), immutable_folder / "fit")
    assert list(immutable_folder.iterdir()) == []


@pytest.mark.parametrize("limit", [4096, 40_000])
def test_a_full_disk_is_one_line_and_leaves_nothing(toy, tmp_path, run_limited, limit: int) -> None:
    """Under a file-size limit (small: the first plot fails; larger: the PDF or fit result fails) the fit
    exits 1 with one line naming the output, and neither the folder nor a temporary is left behind."""
    out = tmp_path / "fit"
    script = "import sys\nfrom higgshunt.cli import main\nsys.exit(main(['fit', *sys.argv[1:]]))\n"
    options = ["--mass-range", "100", "160", "--signal-mass", "125", "--width", "2"]
    done = run_limited(script, "--hist", f"{toy}:mass", *options, "--output", str(out), limit=limit)
    errors = [line for line in done.stderr.splitlines() if not line.startswith(("INFO", "WARNING"))]
    assert done.returncode == 1, done.stderr
    assert len(errors) == 1 and errors[0].startswith(f"higgshunt fit: error: {out}")
    assert "File too large" in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_the_fit_result_reads_back_as_fitted(toy, tmp_path) -> None:
    result = run_fit(_options(toy), tmp_path / "fit", plots=False)
    loaded = fit_result.load(tmp_path / "fit").result
    # JSON text compares NaN (an undefined number, null in the file) equal to NaN
    assert json.dumps(loaded.to_json(), sort_keys=True) == json.dumps(result.to_json(), sort_keys=True)
