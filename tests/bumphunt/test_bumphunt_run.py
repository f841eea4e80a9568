"""A complete bump hunt on tiny samples, checked against an independent recomputation with uproot, numpy and
XGBoost."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
from bumphunt_inputs import MASS_EDGES, SAMPLES, SCORE_EDGES, WINDOW, asimov, reference, scores

MIN_BACKGROUND = 1.0
MIN_EFFECTIVE_EVENTS = 5.0
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def events_by_sample(inputs_dir: Path) -> dict[str, dict[str, np.ndarray]]:
    """Selected events of every sample (and data) with their weights, m4l and the model's score."""
    result = {}
    for name, (kind, _, xsec, sumw, _) in SAMPLES.items():
        result[name] = reference(inputs_dir / f"{name}.root", kind, xsec, sumw)
    result["data"] = reference(inputs_dir / "data.root", "data")
    for ref in result.values():
        ref["score"] = scores(inputs_dir / "model", ref["eventNumber"], ref["features"])
    return result


def _histogram(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contents and sum of squared weights with under- and overflow, as ROOT fills them."""
    index = np.searchsorted(MASS_EDGES, values, side="right")  # 0 underflow, len(edges) overflow
    contents = np.bincount(index, weights=weights, minlength=len(MASS_EDGES) + 1)
    squares = np.bincount(index, weights=weights**2, minlength=len(MASS_EDGES) + 1)
    return contents, squares


def _read(root_file: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    with uproot.open(root_file) as handle:
        hist = handle[name]
        return hist.values(flow=True), hist.variances(flow=True)


def _in_window(ref: dict[str, np.ndarray]) -> np.ndarray:
    return (ref["m4l"] >= WINDOW[0]) & (ref["m4l"] < WINDOW[1])


@pytest.mark.parametrize("category", ["cutbased", "ml", "ml_cat1", "ml_cat2"])
def test_histograms_equal_independent_weighted_yields(
    hunt: Any, events_by_sample: dict[str, dict[str, np.ndarray]], category: str
) -> None:
    summary = hunt.summary
    if category == "cutbased":
        low, high = -math.inf, math.inf
    else:
        selection = summary["selections"]["ml" if category == "ml" else "ml_cat"]["categories"]
        chosen = selection[0] if category in ("ml", "ml_cat1") else selection[1]
        low = chosen["low"] if chosen["low"] is not None else -math.inf  # infinities are null in JSON
        high = chosen["high"] if chosen["high"] is not None else math.inf
    names = {"H125": "signal_h125", "background_zz": "background_zz", "data": "data"}
    for hist_name, sample in names.items():
        ref = events_by_sample[sample]
        for edge in (low, high):
            if not math.isfinite(edge):
                continue
            assert not np.any(np.abs(ref["score"] - edge) < 1e-5), "a score on the cut: ambiguous reference"
        passed = (ref["score"] >= low) & (ref["score"] < high)
        contents, squares = _histogram(ref["m4l"][passed], ref["weight"][passed])
        values, variances = _read(hunt.root_file, f"{category}/{hist_name}")
        np.testing.assert_allclose(values, contents, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(variances, squares, rtol=1e-6, atol=1e-9)
        in_range = contents[1:-1].sum()
        assert summary["categories"][category]["yields"][hist_name]["sum_w"] == pytest.approx(
            in_range, rel=1e-6
        )


def test_totals_are_sums_of_processes(hunt: Any) -> None:
    for category in ("cutbased", "ml"):
        signal, _ = _read(hunt.root_file, f"{category}/total_signal")
        h125, _ = _read(hunt.root_file, f"{category}/H125")
        background, _ = _read(hunt.root_file, f"{category}/total_background")
        zz, _ = _read(hunt.root_file, f"{category}/background_zz")
        np.testing.assert_allclose(signal, h125)
        np.testing.assert_allclose(background, zz)


def _scan(
    events: dict[str, dict[str, np.ndarray]], low: float, high: float, parity: int
) -> tuple[float, float, float]:
    """Signal, background and the background's sum of squared weights in the window and score interval, of
    the simulated events of one eventNumber parity, with weights x 2 (one half stands for the whole)."""
    s = b = b2 = 0.0
    for name, (kind, *_) in SAMPLES.items():
        ref = events[name]
        passed = (
            _in_window(ref)
            & (ref["score"] >= low)
            & (ref["score"] < high)
            & (ref["eventNumber"] % 2 == parity)
        )
        weights = 2 * ref["weight"][passed]
        if kind == "signal":
            s += float(weights.sum())
        else:
            b, b2 = b + float(weights.sum()), b2 + float((weights**2).sum())
    return s, b, b2


def _allowed(b: float, b2: float) -> bool:
    return b >= MIN_BACKGROUND and b2 > 0 and b**2 / b2 >= MIN_EFFECTIVE_EVENTS


def test_cut_is_the_best_cut_of_an_independent_scan(
    hunt: Any, events_by_sample: dict[str, dict[str, np.ndarray]]
) -> None:
    """Chosen on the even events, measured on the odd ones."""
    cuts = [-math.inf, *SCORE_EDGES]
    best = (-1.0, math.nan)
    for cut in cuts:
        s, b, b2 = _scan(events_by_sample, cut, math.inf, 0)
        if _allowed(b, b2) and asimov(s, b) > best[0] + 1e-12:
            best = (asimov(s, b), cut)
    chosen = hunt.summary["selections"]["ml"]
    assert chosen["cut"] == pytest.approx(best[1], abs=1e-9)
    assert chosen["expected_significance_choosing_events"] == pytest.approx(best[0], rel=1e-6)
    s, b, _ = _scan(events_by_sample, best[1], math.inf, 1)
    assert chosen["expected_significance"] == pytest.approx(asimov(s, b), rel=1e-6)
    assert hunt.summary["significance"]["ml"]["expected_asimov"] == pytest.approx(asimov(s, b), rel=1e-6)
    assert "even eventNumber" in chosen["chosen_on"] and "odd eventNumber" in chosen["measured_on"]
    # The score selection beats the cut-based one on these samples (the model separates them).
    assert asimov(s, b) > hunt.summary["significance"]["cutbased"]["expected_asimov"]


def test_categories_are_the_best_pair_of_an_independent_scan(
    hunt: Any, events_by_sample: dict[str, dict[str, np.ndarray]]
) -> None:
    cuts = [-math.inf, *SCORE_EDGES]
    best, best_cuts = -1.0, (math.nan, math.nan)
    for i, low in enumerate(cuts):
        for high in cuts[i + 1 :]:
            parts = [_scan(events_by_sample, low, high, 0), _scan(events_by_sample, high, math.inf, 0)]
            if not all(_allowed(b, b2) for _, b, b2 in parts):
                continue
            z = math.sqrt(sum(asimov(s, b) ** 2 for s, b, _ in parts))
            if z > best + 1e-12:
                best, best_cuts = z, (low, high)
    chosen = hunt.summary["selections"]["ml_cat"]
    assert chosen["expected_significance_choosing_events"] == pytest.approx(best, rel=1e-6)
    parts = [
        _scan(events_by_sample, best_cuts[0], best_cuts[1], 1),
        _scan(events_by_sample, best_cuts[1], math.inf, 1),
    ]
    measured = math.sqrt(sum(asimov(s, b) ** 2 for s, b, _ in parts))
    assert hunt.summary["significance"]["ml_cat"]["expected_asimov"] == pytest.approx(measured, rel=1e-6)


def test_file_layout_for_plot_stack(hunt: Any) -> None:
    with uproot.open(hunt.root_file) as handle:
        assert handle["lumi_fb"].member("fVal") == 10.0
        assert json.loads(handle["provenance"].member("fTitle"))["config_hash"]
        for category in ("cutbased", "ml", "ml_cat1", "ml_cat2"):
            directory = handle[category]
            assert directory["kind_H125"].member("fTitle") == "signal"
            assert directory["kind_background_zz"].member("fTitle") == "background"
            assert directory["H125"].member("fTitle") == "H (125 GeV)"
            assert directory["data"].axis().edges().tolist() == pytest.approx(MASS_EDGES.tolist())
    for category in ("cutbased", "ml", "ml_cat1", "ml_cat2"):
        image = hunt.output / f"stack_{category}.png"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"plot_stack did not draw {category}"


def test_fits_of_the_data_and_side_by_side_significances(hunt: Any) -> None:
    summary = json.loads((hunt.output / "summary.json").read_text())
    assert summary == json.loads(json.dumps(hunt.summary))
    for category in ("cutbased", "ml"):
        fit = summary["categories"][category]["fit"]
        assert "error" not in fit, fit
        assert fit["hist"].endswith(f"bumphunt.root:{category}/data")
        assert 120.0 < fit["mass"] < 130.0
        assert fit["signal_yield"] > 0
        z = summary["significance"][category]
        assert z["observed_mass_fixed"] == fit["significance_local"]["mass_fixed"] > 0
        # the expectation is pre-fit: from the simulation, the same for any data
        assert z["expected_prefit"] == fit["z_expected"] == fit["expected"]["z"] > 0
        assert fit["expected"]["what"].startswith("pre-fit")
        assert (hunt.output / f"fit_{category}" / "fit.png").is_file()
    assert summary["provenance"]["config_hash"]
    assert summary["lumi_fb"] == 10.0


def test_the_cut_never_looks_at_data(make_config: Any, hunt: Any, tmp_path: Path) -> None:
    """Other pseudo-data (other size, other signal fraction) leaves the cuts and the simulation unchanged."""
    from higgshunt import bumphunt

    path = make_config(tmp_path / "other", data=("other_data.root",))
    other = bumphunt.run(bumphunt.load(path), plots=False, fit=False, progress=False)
    assert other.summary["selections"] == hunt.summary["selections"]
    for category in ("cutbased", "ml", "ml_cat2"):
        for name in ("H125", "background_zz"):
            np.testing.assert_array_equal(
                _read(other.root_file, f"{category}/{name}")[0],
                _read(hunt.root_file, f"{category}/{name}")[0],
            )
        assert not np.array_equal(
            _read(other.root_file, f"{category}/data")[0], _read(hunt.root_file, f"{category}/data")[0]
        )


def test_derived_inputs_are_computed_in_the_loop(
    make_config: Any, hunt: Any, inputs_dir: Path, tmp_path: Path
) -> None:
    """A model trained on a computed input (the manifest's derived columns) scores the same events alike."""
    import shutil

    from higgshunt import bumphunt

    model = tmp_path / "derived_model"
    shutil.copytree(inputs_dir / "model", model, ignore=shutil.ignore_patterns("higgshunt_model.json"))
    document = json.loads((model / "manifest.json").read_text())
    document["features"] = ["ratio_41_scaled", *document["features"][1:]]
    document["derived"] = {"ratio_41_scaled": "pt_ratio_41 * 1.0"}
    (model / "manifest.json").write_text(json.dumps(document))
    config = bumphunt.load(make_config(tmp_path / "derived"), model=model)
    result = bumphunt.run(config, plots=False, fit=False, progress=False)
    assert result.summary["selections"] == hunt.summary["selections"]
    with uproot.open(hunt.root_file) as ours, uproot.open(result.root_file) as theirs:
        for category in ("ml", "ml_cat1", "ml_cat2"):
            for name in ("data", "total_signal", "total_background"):
                np.testing.assert_array_equal(
                    theirs[f"{category}/{name}"].values(flow=True),
                    ours[f"{category}/{name}"].values(flow=True),
                )
