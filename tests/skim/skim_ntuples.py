"""Small ATLAS-format ntuples for the skim tests, copied entry by entry from the real 39-event data file.

RDataFrame's Snapshot would write the std::vector branches as ROOT::VecOps::RVec (and crashes on vector<bool>
when asked to keep std::vector), so the copies are made with TTree::CloneTree, which keeps the original types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Deterministic, varied (also negative and zero) MC weights and scale factors, functions of eventNumber only,
# so a test can recompute every event's weight by hand.
MC_COLUMNS: dict[str, Callable[[int], float]] = {
    "mcWeight": lambda ev: float(ev % 5 - 1),
    "scaleFactor_PILEUP": lambda ev: 0.9 + 0.01 * (ev % 7),
    "scaleFactor_ELE": lambda ev: 1.05,
    "scaleFactor_MUON": lambda ev: 0.97,
    "scaleFactor_LepTRIGGER": lambda ev: 1.0 + 0.001 * (ev % 3),
    "XSection": lambda ev: 0.0285,
    "SumWeights": lambda ev: 123.5,
}
MC_DSID = 345060


def mc_weight_by_hand(event_numbers: Sequence[int], lumi_fb: float = 10.0) -> np.ndarray:
    """The event weights MC_COLUMNS imply (float32 branches, product in double), recomputed with numpy."""

    def f32(name: str, ev: int) -> float:
        return float(np.float32(MC_COLUMNS[name](ev)))

    weights = []
    for ev in event_numbers:
        sf = 1.0
        for name in ("scaleFactor_PILEUP", "scaleFactor_ELE", "scaleFactor_MUON", "scaleFactor_LepTRIGGER"):
            sf *= f32(name, ev)
        norm = f32("XSection", ev) * lumi_fb * 1000.0 / f32("SumWeights", ev)
        weights.append(f32("mcWeight", ev) * sf * norm)
    return np.array(weights)


def copy_ntuple(
    source: Path,
    target: Path,
    *,
    scalars: dict[str, Callable[[int], Any]] | None = None,
    vectors: dict[str, tuple[str, Callable[[Any], list[Any]]]] | None = None,
    drop: Sequence[str] = (),
    tree: str = "mini",
) -> Path:
    """Copy `source`'s tree `mini` to `target` (as `tree`).

    `scalars`: float/int/bool branches replaced by functions of eventNumber; `vectors`: branches (re)written
    as std::vector<ctype> from a function of the input entry (the input tree, all its branches readable);
    `drop`: branches left out.
    """
    import ROOT

    scalars, vectors = scalars or {}, vectors or {}
    fin = ROOT.TFile.Open(str(source))
    tin = fin.Get("mini")
    for name in [*drop, *vectors]:
        tin.SetBranchStatus(name, 0)
    fout = ROOT.TFile(str(target), "RECREATE")
    tout = tin.CloneTree(0)
    tout.SetName(tree)
    for name in vectors:  # readable again for the functions, but not part of the copy
        tin.SetBranchStatus(name, 1)
    buffers = {}
    for name in scalars:
        leaf_type = tin.GetBranch(name).GetLeaf(name).GetTypeName()
        buffers[name] = np.zeros(
            1, dtype={"Float_t": np.float32, "Bool_t": np.bool_}.get(leaf_type, np.int32)
        )
        tout.SetBranchAddress(name, buffers[name])
    written = {name: ROOT.std.vector(ctype)() for name, (ctype, _) in vectors.items()}
    for name, vec in written.items():
        tout.Branch(name, vec)
    for i in range(tin.GetEntries()):
        tin.GetEntry(i)
        ev = int(tin.eventNumber)
        for name, function in scalars.items():
            buffers[name][0] = function(ev)
        for name, (_, make) in vectors.items():
            written[name].clear()
            for value in make(tin):
                written[name].push_back(value)
        tout.Fill()
    tout.Write()
    fout.Close()
    fin.Close()
    return target
