"""`generate --format 2025`: files in the 2025 release's layout (names and types of the real file), read back
to the same columns, and skimmed by the 2020 configs through the release schema to the same events and yields
as the 2020 layout of the same generation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot
from higgshunt import skim
from higgshunt.generation import generate, ntuple, ntuple_2025

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SHARED_2025 = sorted((REPO.parent / "shared/data/atlas_opendata_13tev_2025").glob("*.root"))
PROCESSES = ["4lep/ggH125_ZZ4lep", "4lep/llll"]
FILES = {
    "ggH125_ZZ4lep": "4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root",
    "llll": "4lep/MC/mc_363490.llll.4lep.root",
}
# uproot's names of the C++ types in BRANCHES
_UPROOT_TYPES = {
    "int": "int32_t",
    "unsigned int": "uint32_t",
    "unsigned long long": "uint64_t",
    "float": "float",
    "double": "double",
    "bool": "bool",
}


@pytest.fixture(scope="module")
def both_layouts(tmp_path_factory: pytest.TempPathFactory, samples_config: Any) -> dict[str, Path]:
    """One small generation written in each layout (same seed, so the same events)."""
    out = {}
    for layout in ntuple.LAYOUTS:
        directory = tmp_path_factory.mktemp(f"gen{layout}")
        generate(
            samples_config, directory, events=120, seed=21, processes=PROCESSES, progress=False, layout=layout
        )
        out[layout] = directory
    return out


@pytest.mark.skipif(not SHARED_2025, reason="the shared real 2025 file is not present")
def test_branches_have_the_real_files_names_and_types(both_layouts: dict[str, Path]) -> None:
    with uproot.open(SHARED_2025[0]) as handle:
        real = {name: branch.typename for name, branch in handle["analysis"].items()}
    with uproot.open(both_layouts["2025"] / FILES["llll"]) as handle:
        ours = {name: branch.typename for name, branch in handle["analysis"].items()}
    assert list(ours) == [name for name, _ in ntuple_2025.BRANCHES]
    # every branch is one of the real file's with its type (the real file's skim has no branch we lack
    # except truth collections and its skim's own extras)
    expected = {
        name: f"RVec<{_UPROOT_TYPES[kind[5:-1]]}>" if kind.startswith("RVec") else _UPROOT_TYPES[kind]
        for name, kind in ntuple_2025.BRANCHES
    }
    assert {name: real[name] for name in ours} == expected == ours


def test_file_is_in_the_release_conventions(both_layouts: dict[str, Path]) -> None:
    with uproot.open(both_layouts["2025"] / FILES["ggH125_ZZ4lep"]) as handle:
        new = handle["analysis"].arrays(library="ak")
    with uproot.open(both_layouts["2020"] / FILES["ggH125_ZZ4lep"]) as handle:
        old = handle["mini"].arrays(library="ak")
    assert ak.all(new.eventNumber == old.eventNumber)
    # GeV; electrons first, then muons, each by decreasing pT
    np.testing.assert_allclose(
        ak.to_numpy(ak.sum(new.lep_pt, axis=1)), ak.to_numpy(ak.sum(old.lep_pt, axis=1)) / 1e3, rtol=1e-5
    )
    key = new.lep_type * 1e6 - new.lep_pt  # ascending within an event: type, then decreasing pT
    assert ak.all(key[:, 1:] >= key[:, :-1])
    # the normalisation parts multiply to the 2020 XSection; sum_of_weights is its SumWeights
    np.testing.assert_allclose(
        ak.to_numpy(new.xsec * new.filteff * new.kfac), ak.to_numpy(old.XSection), rtol=1e-6
    )
    np.testing.assert_allclose(ak.to_numpy(new.sum_of_weights), ak.to_numpy(old.SumWeights), rtol=1e-6)
    assert np.all(ak.to_numpy(new.kfac) != 1.0)  # ggH carries its k-factor as its own branch
    # signed d0 significance with the sign of d0; b-tag quantiles between the MV2c10 working points
    assert ak.all(abs(new.lep_d0sig) >= 0) and ak.all((new.lep_d0sig < 0) == (new.lep_d0 < 0))
    cuts = (0.1758475, 0.645925, 0.8244273, 0.934906)  # MV2c10 85, 77, 70, 60 % working points
    expected = 1 + sum(ak.values_astype(old.jet_MV2c10 > cut, np.int32) for cut in cuts)
    assert ak.all(new.jet_btag_quantile == expected)


def test_reading_a_2025_file_gives_the_columns_back(both_layouts: dict[str, Path], tmp_path: Path) -> None:
    # pseudo-data are drawn from the files read back, and written again: the 2025 branches must survive
    path = both_layouts["2025"] / FILES["llll"]
    again = tmp_path / "again.root"
    ntuple.write(again, ntuple.read(path), layout="2025")
    with uproot.open(path) as first, uproot.open(again) as second:
        a, b = first["analysis"].arrays(library="ak"), second["analysis"].arrays(library="ak")
    for name in a.fields:
        if name in ("xsec", "filteff", "kfac", "sum_of_weights_squared", "num_events"):
            continue  # rebuilt from the product XSection (the parts are not in the 2020 columns)
        assert ak.all(ak.isclose(a[name], b[name], rtol=1e-5, atol=1e-5)), name  # float32 GeV -> MeV -> GeV


def test_2020_configs_skim_both_layouts_to_the_same_events(
    both_layouts: dict[str, Path], tmp_path: Path
) -> None:
    tables, cutflows = {}, {}
    for layout, directory in both_layouts.items():
        result = skim.run(
            skim.load(REPO / "configs" / "hzz4l.yaml"),
            output=tmp_path / layout,
            inputs_by_name={name: [str(directory / path)] for name, path in FILES.items()},
            progress=False,
        )
        tables[layout] = {name: pd.read_hdf(result.skim_file, name) for name in FILES}
        cutflows[layout] = {c.sample: c.to_dict()["rows"] for c in result.cutflows}
    for name in FILES:
        old, new = (tables[layout][name].set_index("eventNumber").sort_index() for layout in ntuple.LAYOUTS)
        assert len(old) > 10 and old.index.tolist() == new.index.tolist()
        assert list(old.columns) == list(new.columns)
        for column in old.columns:
            if old[column].dtype.kind in "fiu":
                # angles near zero from float32 four-vectors (GeV in one layout, MeV in the other) differ by
                # about 1e-6 absolutely
                np.testing.assert_allclose(new[column], old[column], rtol=1e-5, atol=1e-5, err_msg=column)
            else:
                assert new[column].tolist() == old[column].tolist(), column
        for row_old, row_new in zip(cutflows["2020"][name], cutflows["2025"][name], strict=True):
            assert row_old["cut"] == row_new["cut"]
            assert row_old["entries"] == row_new["entries"], row_old["cut"]
            np.testing.assert_allclose(row_new["sum_w"], row_old["sum_w"], rtol=1e-5)
