import subprocess
import sys

from higgshunt import cli


def test_no_command_prints_help(capsys) -> None:
    assert cli.main([]) == 0
    assert "usage: higgshunt" in capsys.readouterr().out


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "higgshunt.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("higgshunt ")


def test_every_command_has_help() -> None:
    for name in cli.COMMANDS:
        out = subprocess.run(
            [sys.executable, "-m", "higgshunt.cli", name, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert f"usage: higgshunt {name}" in out.stdout


def test_unknown_option_exits_non_zero() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "higgshunt.cli", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "unrecognized arguments: --no-such-option" in out.stderr
