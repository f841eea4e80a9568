"""Run the compiled helpers in an RDataFrame over an ATLAS Open Data file and print per-event results as JSON.

Usage: python rdataframe_four_leptons.py FILE N_THREADS. test_rdataframe_helpers.py runs it as a separate
process, so that ROOT.EnableImplicitMT never leaks into other tests.
"""

from __future__ import annotations

import json
import sys

# Cuts with every option switched on, declared through the interpreter the way a configuration would be.
STRICT_ELECTRON = "7000.f, 2.47f, true, 0.15f, 0.15f, 5.f, 0.5f, 1.37f, 1.52f"
COLUMNS = [
    "eventNumber",
    "valid",
    "m12",
    "m34",
    "m4l",
    "i1",
    "i2",
    "i3",
    "i4",
    "m_good",
    "m_chosen",
    "n_strict",
]


def main(path: str, n_threads: int) -> None:
    import ROOT
    from higgshunt import native

    if n_threads > 1:
        ROOT.EnableImplicitMT(n_threads)
    native.load_into_root()
    ROOT.gInterpreter.Declare(f"const higgshunt::LeptonCuts strictElectron{{{STRICT_ELECTRON}}};")
    good = "lep_pt[good], lep_eta[good], lep_phi[good], lep_E[good]"
    df = (
        ROOT.RDataFrame("mini", path)
        .Define(
            "good",
            "higgshunt::GoodLeptons(lep_type, lep_pt, lep_eta, lep_isTightID, lep_ptcone30, lep_etcone20,"
            " lep_tracksigd0pvunbiased, lep_z0)",
        )
        .Define(
            "strict",
            "higgshunt::GoodLeptons(lep_type, lep_pt, lep_eta, lep_isTightID, lep_ptcone30,"
            " lep_etcone20, lep_tracksigd0pvunbiased, lep_z0, strictElectron)",
        )
        .Define("n_strict", "int(Sum(strict))")
        .Define("cand", f"higgshunt::BuildFourLeptonCandidate({good}, lep_charge[good], lep_type[good])")
        .Define("valid", "cand.valid")
        .Define("m12", "cand.m12")
        .Define("m34", "cand.m34")
        .Define("m4l", "cand.m4l")
        .Define("i1", "cand.i1")
        .Define("i2", "cand.i2")
        .Define("i3", "cand.i3")
        .Define("i4", "cand.i4")
        .Define("m_good", f"higgshunt::InvariantMass({good})")
        .Define(
            "m_chosen",
            f"cand.valid ? higgshunt::InvariantMass({good}, ROOT::RVecI{{cand.i1, cand.i2, cand.i3,"
            " cand.i4}) : std::numeric_limits<float>::quiet_NaN()",
        )
    )
    arrays = df.AsNumpy(COLUMNS)
    columns = {name: [v.item() for v in arrays[name]] for name in COLUMNS}
    print(json.dumps({"thread_pool_size": int(ROOT.GetThreadPoolSize()), "columns": columns}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
