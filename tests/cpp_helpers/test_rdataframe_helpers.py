"""The compiled helpers inside ROOT: RDataFrame over real ATLAS Open Data (single- and multi-threaded) must
give the same values as the numpy module on the same arrays read with uproot, event by event; C++ errors reach
Python."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import awkward as ak
import numpy as np
import pytest
import uproot
from rdataframe_four_leptons import COLUMNS

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "atlas_opendata_13tev" / "data_A.4lep.root"
SCRIPT = Path(__file__).with_name("rdataframe_four_leptons.py")


def run_rdataframe(n_threads: int) -> tuple[int, dict[int, dict[str, Any]]]:
    """(ROOT's thread-pool size, per-event values keyed by eventNumber) from the RDataFrame script."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(DATA), str(n_threads)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout.strip().splitlines()[-1])
    columns = output["columns"]
    events = {
        event: {k: columns[k][row] for k in COLUMNS} for row, event in enumerate(columns["eventNumber"])
    }
    return output["thread_pool_size"], events


def numpy_path(core: ModuleType) -> dict[int, dict[str, Any]]:
    """The same chain through the pybind11 module on arrays read with uproot."""
    tree = uproot.open(DATA)["mini"]
    a = tree.arrays(
        [
            "eventNumber",
            "lep_type",
            "lep_pt",
            "lep_eta",
            "lep_phi",
            "lep_E",
            "lep_charge",
            "lep_isTightID",
            "lep_ptcone30",
            "lep_etcone20",
            "lep_tracksigd0pvunbiased",
            "lep_z0",
        ]
    )

    def flat(x: ak.Array) -> np.ndarray:
        return ak.to_numpy(ak.flatten(x))

    def offsets(x: ak.Array) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(x)))]).astype(np.int64)

    selection = [
        flat(a[f])
        for f in (
            "lep_type",
            "lep_pt",
            "lep_eta",
            "lep_isTightID",
            "lep_ptcone30",
            "lep_etcone20",
            "lep_tracksigd0pvunbiased",
            "lep_z0",
        )
    ]
    good = ak.unflatten(core.good_leptons(*selection, offsets(a.lep_pt)).astype(bool), ak.num(a.lep_pt))
    strict_electron = core.LeptonCuts(
        pt_min=7000,
        abs_eta_max=2.47,
        require_tight=True,
        ptcone30_rel_max=0.15,
        etcone20_rel_max=0.15,
        d0sig_max=5,
        z0sintheta_max_mm=0.5,
        crack_eta_min=1.37,
        crack_eta_max=1.52,
    )
    strict = core.good_leptons(*selection, offsets(a.lep_pt), electron=strict_electron)
    n_strict = ak.sum(ak.unflatten(strict, ak.num(a.lep_pt)), axis=1)

    g = a[["lep_pt", "lep_eta", "lep_phi", "lep_E", "lep_charge", "lep_type"]][good]
    momenta = [flat(g[f]) for f in ("lep_pt", "lep_eta", "lep_phi", "lep_E")]
    o = offsets(g.lep_pt)
    cand = core.build_four_lepton_candidates(*momenta, flat(g.lep_charge), flat(g.lep_type), o)
    chosen = np.stack([cand[k] for k in ("i1", "i2", "i3", "i4")], axis=1)[cand["valid"]]
    index_offsets = np.concatenate([[0], np.cumsum(np.where(cand["valid"], 4, 0))]).astype(np.int64)
    m_chosen = core.invariant_mass(*momenta, o, indices=chosen.ravel(), index_offsets=index_offsets)
    # Independent count: two disjoint SFOS pairs exist iff the per-flavour sum of min(n+, n-) reaches 2.
    n_pairs = sum(
        np.minimum(
            ak.to_numpy(ak.sum((g.lep_type == f) & (g.lep_charge > 0), axis=1)),
            ak.to_numpy(ak.sum((g.lep_type == f) & (g.lep_charge < 0), axis=1)),
        )
        for f in (11, 13)
    )
    values = {
        **cand,
        "n_sfos_pairs": n_pairs,
        "eventNumber": ak.to_numpy(a.eventNumber),
        "m_good": core.invariant_mass(*momenta, o),
        "m_chosen": np.where(cand["valid"], m_chosen, np.nan),
        "n_strict": ak.to_numpy(n_strict),
    }
    return {
        int(event): {k: values[k][row].item() for k in [*COLUMNS, "n_sfos_pairs"]}
        for row, event in enumerate(values["eventNumber"])
    }


def same(a: Any, b: Any) -> bool:
    """Exact equality, NaN equal to NaN: both paths run the same compiled code on the same float32 inputs."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@pytest.fixture(scope="module")
def reference(core: ModuleType) -> dict[int, dict[str, Any]]:
    return numpy_path(core)


def test_numpy_path_finds_real_candidates(reference: dict[int, dict[str, Any]]) -> None:
    assert len(reference) == 39
    assert all(r["valid"] is (r["n_sfos_pairs"] >= 2) for r in reference.values())
    valid = [r for r in reference.values() if r["valid"]]
    assert len(valid) > 10
    # Every valid candidate: m4l equals the mass of its four leptons; real Z1 candidates sit near the Z peak.
    assert all(same(r["m4l"], r["m_chosen"]) for r in valid)
    assert np.median([r["m12"] for r in valid]) == pytest.approx(91.2e3, rel=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("n_threads", [1, 2])
def test_rdataframe_matches_numpy_path_event_by_event(
    n_threads: int, reference: dict[int, dict[str, Any]]
) -> None:
    pool_size, got = run_rdataframe(n_threads)
    assert pool_size == (n_threads if n_threads > 1 else 0)
    assert got.keys() == reference.keys()
    mismatches = [
        (event, k, got[event][k], reference[event][k])
        for event in reference
        for k in COLUMNS
        if not same(got[event][k], reference[event][k])
    ]
    assert not mismatches, mismatches[:5]


def test_cpp_errors_reach_python() -> None:
    import ROOT
    from higgshunt import native

    native.load_into_root()
    two, one = ROOT.RVecF([1.0, 2.0]), ROOT.RVecF([1.0])
    with pytest.raises(Exception, match=r"InvariantMass: sizes differ \(pt 2, eta 1, phi 2, e 2\)"):
        ROOT.higgshunt.InvariantMass(two, one, two, two)
    with pytest.raises(Exception, match="InvariantMass: index 5 out of range for 2 objects"):
        ROOT.higgshunt.InvariantMass(two, two, two, two, ROOT.RVecI([0, 5]))
    with pytest.raises(Exception, match=r"SystemPt: sizes differ \(pt 2, phi 1\)"):
        ROOT.higgshunt.SystemPt(two, one)
