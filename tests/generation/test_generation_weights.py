"""Normalisation: the release's weight convention, filter efficiencies, cross-sections vs published values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest
from higgshunt.generation.pseudodata import expected_weights, read_columns
from higgshunt.generation.pythia_events import PythiaSource

pytestmark = pytest.mark.slow
LUMI_FB = 10.0


def _manifest(directory: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((directory / "samples.json").read_text())
    return {entry["path"]: entry for entry in document["samples"]}


def test_sum_of_weights_before_skim_is_xsection_times_lumi(run_sample: Callable[..., ak.Array]) -> None:
    # With the skim switched off every filtered event is written, so the release's weights must add up to the
    # expected yield after the generator filter: XSection x lumi.
    tree = run_sample("4lep/llll", 300, min_leptons=0)
    xsec = float(tree.XSection[0])
    w = ak.to_numpy(tree.mcWeight * tree.XSection * LUMI_FB * 1000.0 / tree.SumWeights)
    assert len(tree) == 300
    assert w.sum() == pytest.approx(xsec * LUMI_FB * 1000.0, rel=1e-5)


def test_manifest_numbers_are_consistent_with_files(small_4lep: Path) -> None:
    for path, entry in _manifest(small_4lep).items():
        data = read_columns(small_4lep / path)
        assert len(data) == entry["n_events"]
        if entry["kind"] == "data":  # one pseudo-data file per configured luminosity, named after it
            assert path.endswith(f"data_pseudo{entry['lumi_fb']:g}fb.4lep.root")
            continue
        assert entry["filter_efficiency"] == pytest.approx(entry["n_filtered"] / entry["n_generated"])
        assert entry["xsec_pb"] == pytest.approx(
            entry["sigma_pythia_pb"] * entry["k_factor"] * entry["filter_efficiency"], rel=1e-12
        )
        assert entry["sum_weights"] == entry["n_filtered"]  # unweighted Pythia events: weight 1 each
        assert entry["dsid"] == int(Path(path).name.split(".")[0].removeprefix("mc_"))
        if len(data):
            assert np.all(data.values["XSection"] == np.float32(entry["xsec_pb"]))
            assert np.all(data.values["SumWeights"] == np.float32(entry["sum_weights"]))
            w = expected_weights(data, LUMI_FB)
            if entry["fakes"]:
                # mcWeight = the probability of the fakes (generator weight 1); 1 where b/c decays alone
                # give four leptons
                weights = data.values["mcWeight"]
                assert np.all((weights > 0) & (weights <= 1)) and np.mean(weights < 0.1) > 0.5
                continue
            # the file holds the skimmed part of the filtered events: sum w = XSection x lumi x skim
            # efficiency
            skim_efficiency = entry["n_events"] / entry["n_filtered"]
            assert w.sum() == pytest.approx(entry["xsec_pb"] * LUMI_FB * 1000.0 * skim_efficiency, rel=1e-5)


def test_pseudo_data_count_is_poisson_around_expected_yield(small_4lep: Path) -> None:
    entries = _manifest(small_4lep)
    data = entries["4lep/Data/data_pseudo10fb.4lep.root"]
    expected = sum(
        expected_weights(read_columns(small_4lep / p), LUMI_FB).sum()
        for p, e in entries.items()
        if e["kind"] != "data"
    )
    assert data["expected_events"] == pytest.approx(expected, rel=1e-6)
    assert abs(data["n_events"] - expected) < 5 * np.sqrt(expected) + 1


def _distinct_processes(config: Any) -> list[Any]:
    seen: dict[tuple[str, ...], Any] = {}
    for sample in config.samples:
        if sample.reference_xsec_pb is not None:
            seen.setdefault(sample.pythia, sample)
    return list(seen.values())


def test_cross_sections_within_factor_two_of_published(samples_config: Any) -> None:
    """Pythia's sigma x k-factor (before the generator filter) against the published sigma x BR."""
    ratios = {}
    for sample in _distinct_processes(samples_config):
        source = PythiaSource(sample, seed=3)
        source.raw_batch(400)
        ratios[sample.name] = source.sigma_pb() * sample.k_factor / sample.reference_xsec_pb
    assert len(ratios) >= 9
    bad = {name: round(r, 2) for name, r in ratios.items() if not 0.5 <= r <= 2.0}
    assert not bad, f"cross-sections off by more than a factor 2: {bad}"
