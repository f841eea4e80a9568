"""What the macros draw, read back from a canvas saved as `.root`, against independent references: numpy sums,
scipy's chi-square quantiles (Garwood intervals), scikit-learn's ROC points, uproot's reading of the RMMs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from higgshunt.plotting import run_macro
from macro_checks import count_drawn, graph_arrays, hist_contents, hist_range, stack_total


def garwood(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """68.27% central Poisson interval half-widths (low, high) from chi-square quantiles."""
    from scipy.stats import chi2, norm

    alpha = 2 * norm.sf(1.0)
    low = np.where(counts > 0, counts - chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0)
    high = chi2.ppf(1 - alpha / 2, 2 * (counts + 1)) / 2 - counts
    return low, high


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signal", "stacked"), [("overlay", ("zz", "zjets")), ("stack", ("zz", "zjets", "higgs"))]
)
def test_stack_data_points_and_ratio(
    stack_input, tmp_path: Path, signal: str, stacked: tuple[str, ...]
) -> None:
    output = tmp_path / "stack.root"
    run_macro("plot_stack", stack_input.path, "ml", signal, output=output)
    contents = stack_input.contents["ml"]
    total = sum(contents[name] for name in stacked)
    np.testing.assert_allclose(stack_total(output), total, rtol=1e-12)
    np.testing.assert_allclose(hist_contents(output, "band", "upper"), total, rtol=1e-12)

    data = contents["data"]
    low, high = garwood(data)
    points = graph_arrays(output, "data_points", "upper")
    np.testing.assert_allclose(points["y"], data)
    np.testing.assert_allclose(points["low"], low, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(points["high"], high, rtol=1e-6)

    ratio = graph_arrays(output, "ratio_points", "lower")
    keep = total > 0
    np.testing.assert_allclose(ratio["y"], data[keep] / total[keep], rtol=1e-12)
    np.testing.assert_allclose(ratio["high"], high[keep] / total[keep], rtol=1e-6)
    np.testing.assert_allclose(hist_contents(output, "ratio_band", "lower"), np.ones(len(total)))


@pytest.mark.slow
def test_stack_stacks_the_signal_by_default_and_marks_points_off_the_ratio_panel(
    stack_input, tmp_path: Path
) -> None:
    """The prediction is background + signal (ratio = data / (background + signal)). The ratio panel reaches
    up to 3 when a point needs it; a point above it gets an arrow (the overlay drawing, where the ratio is
    data / background, has the signal peak's points there)."""
    contents = stack_input.contents["ml"]
    output = tmp_path / "stack.root"
    run_macro("plot_stack", stack_input.path, "ml", output=output)
    total = contents["zz"] + contents["zjets"] + contents["higgs"]
    np.testing.assert_allclose(stack_total(output), total, rtol=1e-12)
    keep = total > 0
    ratio = graph_arrays(output, "ratio_points", "lower")
    np.testing.assert_allclose(ratio["y"], contents["data"][keep] / total[keep], rtol=1e-12)

    for signal in ("stack", "overlay"):
        run_macro("plot_stack", stack_input.path, "ml", signal, output=output)
        ratio = graph_arrays(output, "ratio_points", "lower")
        low, high = hist_range(output, "ratio_band", "lower")
        assert low == 0.0 and 1.99 <= high <= 2.99
        assert count_drawn(output, "TArrow", "lower") == int(np.sum(ratio["y"] > high))
    assert np.sum(ratio["y"] > high) > 0  # the signal peak over the background alone


@pytest.mark.slow
def test_stack_takes_each_process_once_when_written_twice(tmp_path: Path) -> None:
    import ROOT

    path = tmp_path / "bumphunt.root"
    handle = ROOT.TFile.Open(str(path), "RECREATE")
    handle.mkdir("cat").cd()
    for name in ("bkg", "data"):
        hist = ROOT.TH1D(name, ";m [GeV];", 10, 0.0, 10.0)
        hist.Fill(5.0, 2.0)
        hist.Write()
    for _ in range(2):  # two cycles, kind_bkg;1 and kind_bkg;2
        ROOT.TNamed("kind_bkg", "background").Write()
    handle.Close()
    output = tmp_path / "stack.root"
    run_macro("plot_stack", path, output=output)
    assert stack_total(output).sum() == pytest.approx(2.0)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["efficiency", "yield", "entries"])
def test_cutflow_values(cutflow_input, tmp_path: Path, mode: str) -> None:
    path, cutflows = cutflow_input
    output = tmp_path / "cutflow.root"
    run_macro("plot_cutflow", path, "", mode, output=output)
    for sample, cutflow in cutflows.items():
        sum_w = np.array([row.sum_w for row in cutflow.rows])
        expected = {
            "efficiency": sum_w / sum_w[0],
            "yield": sum_w,
            "entries": np.array([row.entries for row in cutflow.rows], dtype=float),
        }[mode]
        np.testing.assert_allclose(hist_contents(output, sample), expected, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("y_axis", ["rejection", "efficiency"])
def test_roc_points(roc_input, tmp_path: Path, y_axis: str) -> None:
    path, curves = roc_input
    output = tmp_path / "roc.root"
    run_macro("plot_roc", path, y_axis, output=output)
    for model, (fpr, tpr, _) in curves.items():
        points = graph_arrays(output, model)
        if y_axis == "rejection":
            keep = fpr > 0
            np.testing.assert_allclose(points["x"], tpr[keep])
            np.testing.assert_allclose(points["y"], 1.0 / fpr[keep])
        else:
            np.testing.assert_allclose(points["x"], tpr)
            np.testing.assert_allclose(points["y"], fpr)


@pytest.mark.slow
@pytest.mark.parametrize("branch", ["rmm", "rmm_vector"])
def test_rmm_mean_skips_invalid_events(rmm_input: Path, tmp_path: Path, branch: str) -> None:
    import uproot

    cells = np.stack(uproot.open(rmm_input)["events"][branch].array(library="np")).astype(np.float64)
    finite = np.all(np.isfinite(cells), axis=1)
    assert finite.sum() == len(cells) - 1  # the fixture's one invalid event
    side = int(np.sqrt(cells.shape[1]))
    mean = cells[finite].mean(axis=0).reshape(side, side)

    output = tmp_path / "rmm.root"
    run_macro("plot_rmm", rmm_input, "events", branch, output=output)
    drawn = hist_contents(output, "mean_rmm")  # [column, displayed row], row 0 at the top
    np.testing.assert_allclose(drawn[:, ::-1].T, mean, rtol=1e-6, atol=1e-9)
    assert np.all(mean[-2:, :] == 0) and np.all(mean[:, -2:] == 0)  # empty slots stay 0


def _falling_spectrum(path: Path, decades: float) -> np.ndarray:
    """A one-category bump-hunt file whose background falls over `decades` (data = background)."""
    import ROOT

    counts = 10.0 ** np.linspace(4.0, 4.0 - decades, 20)
    handle = ROOT.TFile.Open(str(path), "RECREATE")
    handle.mkdir("cat").cd()
    for name in ("bkg", "data"):
        hist = ROOT.TH1D(name, ";m [GeV];", len(counts), 0.0, 2000.0)
        for i, value in enumerate(counts):
            hist.SetBinContent(i + 1, value)
        hist.Write()
    ROOT.TNamed("kind_bkg", "background").Write()
    handle.Close()
    return counts


@pytest.mark.slow
@pytest.mark.parametrize(("decades", "log"), [(5.0, True), (1.0, False)])
def test_stack_chooses_a_logarithmic_axis_for_a_spectrum_over_many_decades(
    tmp_path: Path, decades: float, log: bool
) -> None:
    """logy = -1 (the default): logarithmic when the highest bin is over 100 times the median one. Either way
    the highest bin (under the label, at the left) stays inside the frame below the label."""
    import ROOT

    counts = _falling_spectrum(tmp_path / "bumphunt.root", decades)
    output = tmp_path / "stack.root"
    run_macro("plot_stack", tmp_path / "bumphunt.root", output=output)
    handle = ROOT.TFile.Open(str(output))
    upper = handle.Get("canvas").GetPrimitive("upper")
    assert bool(upper.GetLogy()) is log
    frame = upper.GetPrimitive("stack").GetHistogram()  # the axis range set on the stack
    top, bottom = frame.GetMaximum(), frame.GetMinimum()
    handle.Close()
    highest = counts[0] + np.sqrt(counts[0])
    if log:
        assert 0.0 < bottom < counts[-1]
        fraction = np.log10(highest / bottom) / np.log10(top / bottom)
    else:
        fraction = highest / top
    assert 0.5 < fraction < 0.8  # below the three label lines, not squeezed to the bottom
