import errno
import subprocess
import sys

import pytest
from higgshunt import cli
from higgshunt.errors import ConfigError


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


def _failing(monkeypatch, exc: BaseException) -> None:  # type: ignore[no-untyped-def]
    def run(args):  # type: ignore[no-untyped-def]
        raise exc

    monkeypatch.setattr("higgshunt.cli.export.run", run)


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (ConfigError("a.yaml: bad\n  key"), "higgshunt export: error: a.yaml: bad key"),
        (
            OSError(errno.ENOSPC, "No space left on device", "/out/x.json"),
            "higgshunt export: error: /out/x.json: cannot write (No space left on device)",
        ),
        (
            KeyError("k"),
            "higgshunt export: error: internal error: KeyError: 'k' "
            "(rerun with higgshunt -v for the traceback)",
        ),
    ],
)
def test_any_failure_is_one_line_exit_1(monkeypatch, capsys, exc: BaseException, line: str) -> None:  # type: ignore[no-untyped-def]
    _failing(monkeypatch, exc)
    assert cli.main(["export", "model"]) == 1
    assert capsys.readouterr().err.splitlines() == [line]


def test_verbose_prints_traceback_of_internal_error(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _failing(monkeypatch, ValueError("unexpected"))
    assert cli.main(["-v", "export", "model"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].endswith(
        "internal error: ValueError: unexpected (rerun with higgshunt -v for the traceback)"
    )


def test_interrupt_exits_130(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _failing(monkeypatch, KeyboardInterrupt())
    assert cli.main(["export", "model"]) == 130
    assert capsys.readouterr().err == "higgshunt export: interrupted\n"


def test_cpp_exception_keeps_its_message() -> None:
    import ROOT

    ROOT.gInterpreter.Declare('void higgshunt_test_throw() { throw std::runtime_error("boom"); }')
    with pytest.raises(Exception) as info:
        ROOT.higgshunt_test_throw()
    assert cli.describe(info.value) == (
        "internal error: C++ runtime_error: boom (rerun with higgshunt -v for the traceback)"
    )


@pytest.mark.parametrize("command", ["bumphunt", "fit", "generate"])
def test_every_optional_value_states_its_default(command: str) -> None:
    import argparse
    import importlib

    module = importlib.import_module(f"higgshunt.cli.{command}")
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    # one of a required group's options is the command's input: none of them has a default
    inputs = {id(a) for g in parser._mutually_exclusive_groups if g.required for a in g._group_actions}
    for action in parser._actions:
        takes_value = action.nargs != 0 and action.option_strings
        if takes_value and not action.required and id(action) not in inputs:
            text = parser._get_formatter()._expand_help(action)
            assert "default" in text, f"{command} {action.option_strings[0]}: {text}"


def test_fit_help_shows_the_schema_defaults() -> None:
    import argparse

    from higgshunt import configuration
    from higgshunt.cli import fit

    parser = argparse.ArgumentParser()
    fit.add_arguments(parser)
    text = " ".join(parser.format_help().split())
    options = configuration.schema("fit")["properties"]
    for name in ("signal", "background", "toys", "seed"):
        assert f"(default: {options[name]['default']})" in text, name
