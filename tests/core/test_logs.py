import io
import os
import subprocess
import sys

import pytest
from higgshunt import logs
from higgshunt.cli import build_parser
from higgshunt.cli.progress import progress


@pytest.mark.parametrize("requested", [True, False])
def test_an_explicit_choice_wins(requested: bool) -> None:
    assert logs.show_progress(requested) is requested


def test_without_a_choice_bars_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert logs.show_progress(None) is False
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert logs.show_progress(None) is True


@pytest.mark.parametrize(
    ("flags", "expected"), [(["--progress"], True), (["--no-progress"], False), ([], False)]
)
def test_progress_option_of_every_long_command(flags: list[str], expected: bool) -> None:
    parser = build_parser()
    for command in (["skim", "--config", "x.yaml"], ["generate"], ["demo"], ["bumphunt", "--config", "x"]):
        args = parser.parse_args([*command, *flags])
        assert progress(args) is expected  # pytest's stderr is not a terminal


def test_child_processes_inherit_the_silenced_root_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    logs.quiet_dependencies()
    done = subprocess.run(
        [sys.executable, "-c", "import ROOT"], capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert "alpha stage" not in done.stderr
    loud = subprocess.run(
        [sys.executable, "-c", "import ROOT"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"},
    )
    assert "alpha stage" in loud.stderr  # the check above would pass vacuously otherwise
