"""The bump hunt reads both release layouts through the skim's input schema: generated samples written in the
2020 and the 2025 layout (same seed, so the same events) give the same category histograms, through the
compiled graph and through ROOT's JIT."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest
import uproot
from higgshunt import bumphunt
from higgshunt.errors import InputError
from higgshunt.eventloop import releases
from higgshunt.eventloop.compiled import cache
from higgshunt.generation import generate, load_config, ntuple

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# the test config's sample -> generated file (the model of conftest reads the lepton pT ratios)
FILES = {
    "signal_h125": "4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root",
    "background_zz": "4lep/MC/mc_363490.llll.4lep.root",
}
TREES = {"2020": "mini", "2025": "analysis"}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny generation written in each layout with the same seed."""
    settings = load_config(REPO / "configs" / "samples.yaml")
    out = {}
    for layout in ntuple.LAYOUTS:
        directory = tmp_path_factory.mktemp(f"hunt{layout}")
        generate(
            settings,
            directory,
            events=150,
            seed=31,
            processes=["4lep/ggH125_ZZ4lep", "4lep/llll"],
            progress=False,
            layout=layout,
        )
        out[layout] = directory
    return out


def _hunt(make_config: Any, folder: Path, directory: Path, **options: Any) -> Any:
    # the simulated files stand in as data too (weight 1), so a data sample is read in the layout as well
    path = make_config(
        folder,
        files={name: directory / relative for name, relative in FILES.items()},
        data=tuple(str(directory / relative) for relative in FILES.values()),
        # few simulated background events in the window: a low floor, so that score categories are chosen
        optimisation={"categories": 2, "min_background": 0.01, "min_effective_events": 1.0},
    )
    return bumphunt.run(bumphunt.load(path), plots=False, fit=False, progress=False, **options)


def _histograms(root_file: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with uproot.open(root_file) as handle:
        return {
            key.split(";")[0]: (hist.values(flow=True), hist.variances(flow=True))
            for key, hist in handle.items(recursive=True)
            if hasattr(hist, "values") and hasattr(hist, "variances")
        }


def test_the_generator_writes_the_same_events_in_either_layout(layouts: dict[str, Path]) -> None:
    for relative in FILES.values():
        arrays = {}
        for layout, directory in layouts.items():
            with uproot.open(directory / relative) as handle:
                arrays[layout] = handle[TREES[layout]].arrays(["eventNumber", "lep_pt", "mcWeight"])
        old, new = arrays["2020"], arrays["2025"]
        assert len(old) > 50
        assert ak.to_list(old.eventNumber) == ak.to_list(new.eventNumber)
        np.testing.assert_array_equal(ak.to_numpy(old.mcWeight), ak.to_numpy(new.mcWeight))
        # MeV in 2020, GeV in 2025; leptons reordered in 2025, so compare the sorted pTs
        np.testing.assert_allclose(
            ak.to_numpy(ak.flatten(ak.sort(old.lep_pt, axis=1))) / 1e3,
            ak.to_numpy(ak.flatten(ak.sort(new.lep_pt, axis=1))),
            rtol=1e-6,
        )


@pytest.mark.parametrize("compiled", ["1", "0"], ids=["compiled", "jit"])
def test_both_layouts_give_the_same_category_histograms(
    make_config: Any,
    layouts: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    compiled: str,
) -> None:
    monkeypatch.setenv("HIGGSHUNT_COMPILED", compiled)
    hunts = {}
    for layout, directory in layouts.items():
        before = dataclasses.replace(cache.REPORT, fallbacks=list(cache.REPORT.fallbacks))
        hunts[layout] = _hunt(make_config, tmp_path / layout, directory)
        graphs = cache.REPORT.since(before)
        # every sample's graph (two simulated, one data) went the way asked
        assert (graphs.compiled_graphs, graphs.jit_graphs) == ((3, 0) if compiled == "1" else (0, 3))
    expected = {"2020": releases.RELEASE_2020.name, "2025": releases.RELEASE_2025.name}
    for layout, hunt in hunts.items():
        recorded = hunt.summary["provenance"]["releases"]
        assert recorded == {name: expected[layout] for name in (*FILES, "data")}
    old, new = (_histograms(hunts[layout].root_file) for layout in ntuple.LAYOUTS)
    assert {"cutbased/H125", "cutbased/data", "ml/H125", "ml/total_background"} <= set(old)
    assert set(old) == set(new)
    for name, (values, variances) in old.items():
        # the same events: equal up to float32 rounding of GeV against MeV
        np.testing.assert_allclose(new[name][0], values, rtol=1e-5, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(new[name][1], variances, rtol=1e-5, atol=1e-9, err_msg=name)
    assert old["cutbased/H125"][0].sum() > 0 and old["cutbased/data"][0].sum() > 50
    chosen = [hunt.summary["selections"] for hunt in hunts.values()]
    assert set(chosen[0]) == set(chosen[1]) and "ml" in chosen[0]
    for selection in chosen[0]:  # the same score cuts, chosen on the same simulated events
        cuts = [[c["low"] for c in choice[selection]["categories"]] for choice in chosen]
        assert cuts[0] == cuts[1], selection


def test_a_forced_release_reads_every_sample_with_it(
    make_config: Any, layouts: dict[str, Path], tmp_path: Path
) -> None:
    hunt = _hunt(make_config, tmp_path / "forced", layouts["2025"], release=releases.RELEASE_2025.name)
    assert set(hunt.summary["provenance"]["releases"].values()) == {releases.RELEASE_2025.name}
    with pytest.raises(InputError, match="mini"):  # a 2025 file read as the 2020 release: no tree `mini`
        _hunt(make_config, tmp_path / "wrong", layouts["2025"], release=releases.RELEASE_2020.name)
