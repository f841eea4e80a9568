"""The 2025 education release's `analysis` ntuple (ATLAS Open Data 13 TeV) from the generator's columns.

The generator builds its events as the 2020 `mini` columns (`ntuple.columns`, MeV); this module turns them
into the 2025 layout, as the release's files are (../shared/docs/opendata_2025.md and the real file it names):
tree `analysis`, GeV, `ROOT::VecOps::RVec` branches, the 2025 names and types, leptons electrons first then
muons (each by decreasing pT, not pT-ordered overall), signed d0 significance, normalisation branches
`xsec`, `filteff`, `kfac`, `sum_of_weights`, and trigger flags the analysis must require itself. Reading such
a file back (`from_2025`) gives the 2020 columns again, so that pseudo-data can be drawn from either layout
and written in the same one.

What the generator does not simulate is written as the release writes an absent object or flag:
- every simulated lepton is loosely identified and isolated (the generator models the 2020 preselection), so
  `lep_isLooseID`, `lep_isMediumID` and `lep_isLooseIso` are true and `lep_isTightIso` comes from the
  isolation sums (`TIGHT_ISOLATION`); photons are all tight, with `photon_isTightIso` from their sums;
- the b-tag quantile (1-5) is the interval of the MV2c10-like score between the working points
  (`releases.MV2C10_WORKING_POINTS`); JVT is `jet_jvt > JVT_CUT`;
- dilepton triggers from the lepton pTs (`DILEPTON_TRIGGERS`), matched by construction;
- no taus, large-R jets or truth collections (empty or absent); scale factors the 2020 layout lacks are 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.eventloop import releases
from higgshunt.generation import ntuple
from higgshunt.units import MEV_PER_GEV

TREE_NAME = "analysis"
JVT_CUT = 0.59  # the 2016 JVT working point for central jets below 60 GeV
# Relative isolation (cone sum / pT) below which a lepton or photon is tightly isolated.
TIGHT_ISOLATION = {
    "lep_ptcone30": 0.06,
    "lep_etcone20": 0.06,
    "photon_ptcone30": 0.05,
    "photon_etcone20": 0.065,
}
# 2016 dilepton triggers (GeV): 2e17 (two electrons), mu22_mu8noL1 (two muons), e17_mu14 (electron and muon).
DILEPTON_TRIGGERS = {"trigDE": (17.0, 17.0), "trigDM": (22.0, 8.0), "trigML": (17.0, 14.0)}
MET_TRIGGER_GEV = 110.0  # xe110

_SCALE_FACTORS = (
    "PILEUP", "ELE", "MUON", "PHOTON", "TAU", "BTAG", "FTAG", "JVT", "LepTRIGGER", "ElTRIGGER", "MuTRIGGER",
    "MLTRIGGER", "TauTRIGGER", "DiTauTRIGGER",
)  # fmt: skip
_TRIGGERS = ("trigE", "trigM", "trigP", "trigDE", "trigDM", "trigML", "trigMET", "trigT", "trigDT")
_LEPTON_FLOATS = ("pt", "eta", "phi", "e", "ptvarcone30", "topoetcone20", "z0", "d0", "d0sig")
_LEPTON_FLAGS = ("isTightID", "isMediumID", "isLooseID", "isTightIso", "isLooseIso", "isTrigMatched")
_PHOTON_FLOATS = ("pt", "eta", "phi", "e", "ptcone20", "topoetcone40")
_PHOTON_FLAGS = ("isLooseID", "isTightID", "isLooseIso", "isTightIso")

# (name, C++ type) in the order of the release's files (the subset the generator fills or leaves empty).
BRANCHES: tuple[tuple[str, str], ...] = (
    ("num_events", "double"),
    ("sum_of_weights", "double"),
    ("sum_of_weights_squared", "double"),
    ("xsec", "double"),
    ("kfac", "double"),
    ("filteff", "double"),
    ("TriggerMatch_DILEPTON", "float"),
    ("mcWeight", "float"),
    *((f"ScaleFactor_{sf}", "float") for sf in _SCALE_FACTORS),
    ("channelNumber", "unsigned int"),
    ("eventNumber", "unsigned long long"),
    ("runNumber", "unsigned int"),
    *((trigger, "bool") for trigger in _TRIGGERS),
    ("jet_n", "int"),
    *((f"jet_{v}", "RVec<float>") for v in ("pt", "eta", "phi", "e")),
    ("jet_btag_quantile", "RVec<int>"),
    ("jet_jvt", "RVec<bool>"),
    ("lep_n", "int"),
    ("lep_type", "RVec<int>"),
    *((f"lep_{v}", "RVec<float>") for v in _LEPTON_FLOATS[:4]),
    ("lep_charge", "RVec<int>"),
    *((f"lep_{v}", "RVec<float>") for v in _LEPTON_FLOATS[4:]),
    *((f"lep_{v}", "RVec<bool>") for v in _LEPTON_FLAGS),
    ("photon_n", "int"),
    *((f"photon_{v}", "RVec<float>") for v in _PHOTON_FLOATS),
    *((f"photon_{v}", "RVec<bool>") for v in _PHOTON_FLAGS),
    ("tau_n", "int"),
    *((f"tau_{v}", "RVec<float>") for v in ("pt", "eta", "phi", "e", "charge")),
    ("tau_nTracks", "RVec<int>"),
    ("tau_isTight", "RVec<bool>"),
    ("largeRJet_n", "int"),
    *((f"largeRJet_{v}", "RVec<float>") for v in ("pt", "eta", "phi", "e", "m", "D2")),
    ("met", "float"),
    ("met_phi", "float"),
    ("met_mpx", "float"),
    ("met_mpy", "float"),
)
BRANCH_TYPES: dict[str, str] = dict(BRANCHES)

# 2020 lepton and photon vectors -> their 2025 names (same values up to units).
_LEPTON_NAMES = {
    "lep_pt": "lep_pt", "lep_eta": "lep_eta", "lep_phi": "lep_phi", "lep_E": "lep_e",
    "lep_charge": "lep_charge", "lep_type": "lep_type", "lep_z0": "lep_z0", "lep_ptcone30": "lep_ptvarcone30",
    "lep_etcone20": "lep_topoetcone20", "lep_trackd0pvunbiased": "lep_d0", "lep_isTightID": "lep_isTightID",
    "lep_trigMatched": "lep_isTrigMatched",
}  # fmt: skip
_PHOTON_NAMES = {
    "photon_pt": "photon_pt", "photon_eta": "photon_eta", "photon_phi": "photon_phi", "photon_E": "photon_e",
    "photon_ptcone30": "photon_ptcone20", "photon_etcone20": "photon_topoetcone40",
    "photon_isTightID": "photon_isTightID",
}  # fmt: skip
_JET_NAMES = {"jet_pt": "jet_pt", "jet_eta": "jet_eta", "jet_phi": "jet_phi", "jet_E": "jet_e"}
_ENERGIES = {"lep_pt", "lep_E", "lep_ptcone30", "lep_etcone20", "photon_pt", "photon_E", "photon_ptcone30",
             "photon_etcone20", "jet_pt", "jet_E"}  # fmt: skip


@dataclass(frozen=True)
class Normalisation:
    """The normalisation branches of a simulated file (constant within it)."""

    xsec_pb: float
    filter_efficiency: float
    k_factor: float
    sum_of_weights: float
    sum_of_weights_squared: float
    num_events: float


# Values of a data file, as in the release: no cross-section, unit sums and scale factors.
DATA_NORMALISATION = Normalisation(0.0, 0.0, 0.0, 1.0, 1.0, 1.0)


def to_2025(data: ntuple.Columns, normalisation: Normalisation | None, *, is_data: bool) -> dict[str, Any]:
    """The 2025 columns of the generator's (2020) columns (`normalisation` None: XSection and SumWeights)."""
    v = data.values
    n = len(data)
    gev = 1.0 / MEV_PER_GEV
    # electrons first, then muons, each still by decreasing pT: a stable sort on the type
    order = ak.argsort(v["lep_type"], stable=True)
    out: dict[str, Any] = {}
    for old, new in (*_LEPTON_NAMES.items(), *_PHOTON_NAMES.items(), *_JET_NAMES.items()):
        values = v[old][order] if old.startswith("lep_") else v[old]
        out[new] = values * gev if old in _ENERGIES else values
    unsigned = v["lep_tracksigd0pvunbiased"][order]
    out["lep_d0sig"] = ak.where(out["lep_d0"] < 0, -unsigned, unsigned)
    every = ak.ones_like(out["lep_pt"], dtype=bool)
    out.update(lep_isLooseID=every, lep_isMediumID=every, lep_isLooseIso=every)
    out["lep_isTightIso"] = _isolated(out["lep_ptvarcone30"], out["lep_topoetcone20"], out["lep_pt"], "lep")
    out["photon_isLooseID"] = out["photon_isLooseIso"] = ak.ones_like(out["photon_pt"], dtype=bool)
    out["photon_isTightIso"] = _isolated(
        out["photon_ptcone20"], out["photon_topoetcone40"], out["photon_pt"], "photon"
    )
    out["jet_btag_quantile"] = btag_quantile(v["jet_MV2c10"])
    out["jet_jvt"] = v["jet_jvt"] > JVT_CUT
    for name in ("lep", "photon", "jet"):
        out[f"{name}_n"] = ak.to_numpy(ak.num(out[f"{name}_pt"]))
    met = np.asarray(v["met_et"], dtype=np.float64) * gev
    phi = np.asarray(v["met_phi"], dtype=np.float64)
    out.update(met=met, met_phi=phi, met_mpx=met * np.cos(phi), met_mpy=met * np.sin(phi))
    out.update(_triggers(out, v, met))
    for name in ("runNumber", "eventNumber", "channelNumber", "mcWeight"):
        out[name] = v[name]
    norm = normalisation or (DATA_NORMALISATION if is_data else _from_columns(v))
    constants = {
        "xsec": norm.xsec_pb,
        "filteff": norm.filter_efficiency,
        "kfac": norm.k_factor,
        "sum_of_weights": norm.sum_of_weights,
        "sum_of_weights_squared": norm.sum_of_weights_squared,
        "num_events": norm.num_events,
    }
    for name, value in constants.items():
        out[name] = np.full(n, value)
    for factor in _SCALE_FACTORS:
        old = f"scaleFactor_{factor}"
        out[f"ScaleFactor_{factor}"] = np.ones(n) if is_data or old not in v else v[old]
    if is_data:
        out["mcWeight"] = np.ones(n)
    empty = ntuple.empty_lists(n)
    for name, kind in BRANCHES:
        if name not in out:
            out[name] = empty if kind.startswith("RVec") else np.zeros(n)
    return {name: out[name] for name, _ in BRANCHES}


def from_2025(arrays: Mapping[str, Any]) -> ntuple.Columns:
    """The generator's (2020) columns of a 2025 file written by `to_2025` (leptons back in pT order)."""
    mev = MEV_PER_GEV
    n = len(arrays["eventNumber"])
    order = ak.argsort(arrays["lep_pt"], ascending=False, stable=True)
    values: dict[str, Any] = {}
    for old, new in (*_LEPTON_NAMES.items(), *_PHOTON_NAMES.items(), *_JET_NAMES.items()):
        column = arrays[new][order] if old.startswith("lep_") else arrays[new]
        values[old] = column * mev if old in _ENERGIES else column
    values["lep_tracksigd0pvunbiased"] = abs(arrays["lep_d0sig"][order])
    quantile = arrays["jet_btag_quantile"]
    scores = np.asarray(releases.BTAG_QUANTILE_SCORES)[ak.to_numpy(ak.flatten(quantile)) - 1]
    values["jet_MV2c10"] = ak.unflatten(scores, ak.num(quantile))
    values["jet_jvt"] = ak.values_astype(arrays["jet_jvt"], np.float32)
    values["met_et"] = ak.to_numpy(arrays["met"]).astype(np.float64) * mev
    values["met_phi"] = ak.to_numpy(arrays["met_phi"])
    for name in ("runNumber", "eventNumber", "channelNumber", "mcWeight", "trigE", "trigM", "trigP"):
        values[name] = ak.to_numpy(arrays[name])
    for name in ("lep", "photon", "jet"):
        values[f"{name}_n"] = ak.to_numpy(arrays[f"{name}_n"])
    product = arrays["xsec"] * arrays["filteff"] * arrays["kfac"]
    values["XSection"] = ak.to_numpy(product)
    values["SumWeights"] = ak.to_numpy(arrays["sum_of_weights"])
    for factor in ("PILEUP", "ELE", "MUON", "PHOTON", "TAU", "BTAG", "LepTRIGGER"):
        values[f"scaleFactor_{factor}"] = ak.to_numpy(arrays[f"ScaleFactor_{factor}"])
    values["scaleFactor_PhotonTRIGGER"] = np.ones(n)
    empty = ntuple.empty_lists(n)
    for name, kind in ntuple.BRANCHES:
        if name not in values:
            values[name] = empty if kind.startswith("vector") else np.zeros(n)
    return ntuple.Columns({name: values[name] for name, _ in ntuple.BRANCHES})


def btag_quantile(score: Any) -> Any:
    """The b-tag quantile (1: fails the loosest working point ... 5: passes the tightest) of a score."""
    quantile = ak.ones_like(score, dtype=np.int32)
    for cut in releases.MV2C10_WORKING_POINTS:
        quantile = quantile + ak.values_astype(score > cut, np.int32)
    return quantile


def _isolated(track: Any, calo: Any, pt: Any, kind: str) -> Any:
    names = ("lep_ptcone30", "lep_etcone20") if kind == "lep" else ("photon_ptcone30", "photon_etcone20")
    return (track < TIGHT_ISOLATION[names[0]] * pt) & (calo < TIGHT_ISOLATION[names[1]] * pt)


def _triggers(out: Mapping[str, Any], v: Mapping[str, Any], met: np.ndarray) -> dict[str, Any]:
    """Trigger flags the 2020 layout lacks, from the objects (GeV), and the dilepton trigger match."""
    pt, kind = out["lep_pt"], out["lep_type"]

    def passes(first: float, second: float, flavours: tuple[int, int]) -> np.ndarray:
        a, b = pt[kind == flavours[0]], pt[kind == flavours[1]]
        if flavours[0] == flavours[1]:  # one flavour: the leading above `first`, the next above `second`
            padded = ak.fill_none(ak.pad_none(a, 2), 0.0)
            return ak.to_numpy((padded[:, 0] > first) & (padded[:, 1] > second))
        return ak.to_numpy(ak.any(a > first, axis=1) & ak.any(b > second, axis=1))

    flags = {
        "trigDE": passes(*DILEPTON_TRIGGERS["trigDE"], (11, 11)),
        "trigDM": passes(*DILEPTON_TRIGGERS["trigDM"], (13, 13)),
        "trigML": passes(*DILEPTON_TRIGGERS["trigML"], (11, 13)),
        "trigMET": met > MET_TRIGGER_GEV,
        **{name: v[name] for name in ("trigE", "trigM", "trigP")},
    }
    flags["TriggerMatch_DILEPTON"] = (flags["trigDE"] | flags["trigDM"]).astype(np.float32)
    return flags


def _from_columns(v: Mapping[str, Any]) -> Normalisation:
    # Without the parts, the whole cross-section is `xsec` (filter efficiency and k-factor 1).
    xsec = float(v["XSection"][0]) if len(v["XSection"]) else 0.0
    sum_weights = float(v["SumWeights"][0]) if len(v["SumWeights"]) else 0.0
    return Normalisation(xsec, 1.0, 1.0, sum_weights, sum_weights, sum_weights)
