"""Every macro in batch mode through run_macro: a valid, non-blank PNG of the documented size and nothing
else; a PDF when the output asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from higgshunt.plotting import run_macro
from macro_checks import assert_pdf, assert_png

# name -> (options after the input file, canvas width, height)
CASES = {
    "stack_default": ("plot_stack", ("ml",), 800, 800),
    "stack_overlay": ("plot_stack", ("ml", "overlay"), 800, 800),
    "stack_stacked_log": ("plot_stack", ("cutbased", "stack", True), 800, 800),
    "cutflow_all": ("plot_cutflow", (), 1000, 700),
    "cutflow_one_yield": ("plot_cutflow", ("llll", "yield"), 1000, 700),
    "cutflow_entries": ("plot_cutflow", ("", "entries"), 1000, 700),
    "roc_rejection": ("plot_roc", (), 800, 700),
    "roc_efficiency": ("plot_roc", ("efficiency",), 800, 700),
    "rmm_rvec_labels": ("plot_rmm", ("events", "rmm", 0, "MET,j1,j2,e1,mu1,y1"), 800, 800),
    "rmm_vector_logz": ("plot_rmm", ("events", "rmm_vector", 6, "", True), 800, 800),
}


@pytest.fixture
def inputs(stack_input, cutflow_input, roc_input, rmm_input) -> dict[str, Path]:
    return {
        "plot_stack": stack_input.path,
        "plot_cutflow": cutflow_input[0],
        "plot_roc": roc_input[0],
        "plot_rmm": rmm_input,
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_png_of_expected_size_and_nothing_else(case: str, inputs: dict[str, Path], tmp_path: Path) -> None:
    macro, options, width, height = CASES[case]
    output = tmp_path / f"{case}.png"
    assert run_macro(macro, inputs[macro], *options, output=output) == output
    assert_png(output, width, height)
    assert sorted(tmp_path.iterdir()) == [output]


@pytest.mark.slow
@pytest.mark.parametrize("macro", ["plot_stack", "plot_cutflow", "plot_roc", "plot_rmm"])
def test_pdf_when_asked(macro: str, inputs: dict[str, Path], tmp_path: Path) -> None:
    options = ("ml",) if macro == "plot_stack" else ()
    output = tmp_path / f"{macro}.pdf"
    run_macro(macro, inputs[macro], *options, output=output)
    assert_pdf(output)
    assert sorted(tmp_path.iterdir()) == [output]


def test_paths_with_spaces(roc_input, tmp_path: Path) -> None:
    output = tmp_path / "with space" / "roc curves.png"
    run_macro("plot_roc", roc_input[0], output=output)
    assert_png(output, 800, 700)


@pytest.mark.slow
def test_compiled_with_aclic_leaves_no_library_beside_the_macros(roc_input, tmp_path: Path) -> None:
    from higgshunt.plotting.macros import MACRO_DIR

    before = sorted(MACRO_DIR.iterdir())
    output = tmp_path / "roc.png"
    run_macro("plot_roc", roc_input[0], "efficiency", output=output, compile=True)
    assert_png(output, 800, 700)
    assert sorted(MACRO_DIR.iterdir()) == before
    assert sorted(tmp_path.iterdir()) == [output]
