from pathlib import Path

import pytest
from higgshunt.atomic import atomic_output


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


def test_directories_are_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "stale.json").write_text("{}")
    with atomic_output(target) as tmp:
        tmp.mkdir()
        (tmp / "manifest.json").write_text("{}")
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json"]


def test_nothing_written_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "x.root"):
        pass
    assert list(tmp_path.iterdir()) == []
