import os
import subprocess
import sys
from pathlib import Path

import pytest
from higgshunt.errors import OutputError
from higgshunt.outputs import (
    MARKER,
    all_or_nothing,
    atomic_output,
    is_higgshunt_folder,
    remove_stale_temporaries,
)


def test_file_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.h5"
    with atomic_output(target) as tmp:
        assert tmp.suffix == ".h5" and tmp.parent == target.parent
        tmp.write_text("complete")
        assert not target.exists()
    assert target.read_text() == "complete"
    assert list(target.parent.iterdir()) == [target]


def test_failure_leaves_previous_output_intact(tmp_path: Path) -> None:
    target = tmp_path / "table.h5"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-way")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_own_directories_are_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with atomic_output(target) as tmp:
        tmp.mkdir()
        (tmp / "stale.json").write_text("{}")
    assert is_higgshunt_folder(target)
    with atomic_output(target) as tmp:
        tmp.mkdir()
        (tmp / "manifest.json").write_text("{}")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "manifest.json"]


def test_a_folder_higgshunt_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not written by higgshunt"), atomic_output(target) as tmp:
        tmp.mkdir()
    assert (target / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_folder_holding_the_input_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with atomic_output(target) as tmp:
        tmp.mkdir()
    table = target / "skim.h5"
    table.write_text("input")
    with pytest.raises(OutputError, match="holds this command's input"):
        with atomic_output(target, inputs=[table]) as tmp:
            tmp.mkdir()
    assert table.read_text() == "input"


def test_a_file_never_replaces_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    with pytest.raises(OutputError, match="is a folder"), atomic_output(target) as tmp:
        tmp.write_text("{}")
    assert target.is_dir()


def test_verify_failure_keeps_the_old_output(tmp_path: Path) -> None:
    target = tmp_path / "fit.json"
    target.write_text("old")

    def verify(path: Path) -> None:
        raise OutputError(f"{path}: does not read back")

    with pytest.raises(OutputError), atomic_output(target, verify=verify) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_nothing_written_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="nothing was written"), atomic_output(tmp_path / "x.root"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_output_error(tmp_path: Path) -> None:
    """Under a file-size limit the write fails with EFBIG: one OutputError naming the final path, and
    neither the final name nor the temporary one is left behind."""
    script = (
        "import resource, sys\n"
        "from higgshunt.errors import OutputError\n"
        "from higgshunt.outputs import atomic_output\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        f"    with atomic_output({str(tmp_path / 'big.bin')!r}) as tmp:\n"
        "        tmp.write_bytes(b'x' * 100000)\n"
        "except OutputError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "big.bin: cannot write (File too large)" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    pid = int(dead.stdout)
    stale_file = tmp_path / f".skim.tmp-{pid}.h5"
    stale_dir = tmp_path / f".train.tmp-{pid}"
    mine = tmp_path / f".fit.tmp-{os.getpid()}.json"
    stale_file.write_text("x")
    stale_dir.mkdir()
    mine.write_text("in progress")
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([stale_file, stale_dir])
    assert mine.exists()


def test_outputs_that_belong_together_are_renamed_together(tmp_path: Path) -> None:
    histograms, table = tmp_path / "histograms.root", tmp_path / "skim.h5"
    histograms.write_text("old histograms")
    with pytest.raises(OutputError), all_or_nothing():
        with atomic_output(histograms) as tmp:
            tmp.write_text("new histograms")
        assert histograms.read_text() == "old histograms"  # held back until the group completes
        with atomic_output(table) as tmp:
            raise OutputError(f"{table}: cannot write (File too large)")
    assert histograms.read_text() == "old histograms"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["histograms.root"]
    with all_or_nothing():
        for path in (histograms, table):
            with atomic_output(path) as tmp:
                tmp.write_text("new")
    assert histograms.read_text() == table.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["histograms.root", "skim.h5"]
