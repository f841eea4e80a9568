"""The structure of docs/architecture.md, checked: the import contracts, one home per hand-off file."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "python" / "higgshunt"
# Files that one stage writes and another reads; only their artifact modules may spell these names.
HAND_OFF_FILES = (
    "samples.json",
    "skim.h5",
    "manifest.json",
    "training.json",
    "bumphunt.root",
    "fit.json",
    "workspaces.json",
    "workspace_fit.json",
    "spurious_signal.json",
)


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is not installed in this environment"
    done = subprocess.run(
        [lint_imports, "--config", str(REPO / ".importlinter")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "python"), "PATH": str(Path(sys.executable).parent)},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].endswith(" 0 broken.")


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module except docstrings, with its line."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.add(id(value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("name", HAND_OFF_FILES)
def test_only_artifact_modules_name_hand_off_files(name: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "artifacts" not in path.relative_to(PACKAGE).parts
        for line, text in _string_constants(path)
        if name in text
    ]
    assert not offenders, f"{name} is spelled outside higgshunt/artifacts: {offenders}"
