"""The ATLAS Open Data 13 TeV `mini` ntuple: branch list, columns from reconstructed objects, and the ROOT
writer and reader of both release layouts.

`BRANCHES` lists every branch of the 2020 release's files in their order with their C++ types (checked against
the real file by the tests). The generator's events are these columns; the detector response works in GeV and
the conversion to the ntuple's MeV happens here, in `columns`, and nowhere else. `write` stores them in the
2020 layout or, converted by `ntuple_2025`, in the 2025 one (`LAYOUTS`); `read` gives the columns back from a
file of either layout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.artifacts import root_files
from higgshunt.errors import InputError, OutputError
from higgshunt.outputs import atomic_output
from higgshunt.units import MEV_PER_GEV

log = logging.getLogger(__name__)

TREE_NAME = "mini"
LAYOUTS = ("2020", "2025")  # `higgshunt generate --format`
# The built-in samples' layout: the 2025 release's, which today's notebooks read (the skim and the bump hunt
# read either through its release schema; `--format 2020` writes the older one).
DEFAULT_LAYOUT = "2025"
ZLIB_LEVEL_1 = 101  # ROOT's compression setting of the release's files (algorithm 1 = zlib, level 1)
# Branches data files leave empty: truth information does not exist for collision data.
TRUTH_BRANCHES = ("lep_truthMatched", "jet_trueflav", "jet_truthMatched", "photon_truthMatched")

_SCALE_FACTORS = ("PILEUP", "ELE", "MUON", "PHOTON", "TAU", "BTAG", "LepTRIGGER", "PhotonTRIGGER")
# (name, C++ type) in the order of the release's files.
BRANCHES: tuple[tuple[str, str], ...] = (
    ("runNumber", "int"),
    ("eventNumber", "int"),
    ("channelNumber", "int"),
    ("mcWeight", "float"),
    *((f"scaleFactor_{sf}", "float") for sf in _SCALE_FACTORS),
    ("trigE", "bool"),
    ("trigM", "bool"),
    ("trigP", "bool"),
    ("lep_n", "unsigned int"),
    ("lep_truthMatched", "vector<bool>"),
    ("lep_trigMatched", "vector<bool>"),
    ("lep_pt", "vector<float>"),
    ("lep_eta", "vector<float>"),
    ("lep_phi", "vector<float>"),
    ("lep_E", "vector<float>"),
    ("lep_z0", "vector<float>"),
    ("lep_charge", "vector<int>"),
    ("lep_type", "vector<unsigned int>"),
    ("lep_isTightID", "vector<bool>"),
    ("lep_ptcone30", "vector<float>"),
    ("lep_etcone20", "vector<float>"),
    ("lep_trackd0pvunbiased", "vector<float>"),
    ("lep_tracksigd0pvunbiased", "vector<float>"),
    ("met_et", "float"),
    ("met_phi", "float"),
    ("jet_n", "unsigned int"),
    ("jet_pt", "vector<float>"),
    ("jet_eta", "vector<float>"),
    ("jet_phi", "vector<float>"),
    ("jet_E", "vector<float>"),
    ("jet_jvt", "vector<float>"),
    ("jet_trueflav", "vector<int>"),
    ("jet_truthMatched", "vector<bool>"),
    ("jet_MV2c10", "vector<float>"),
    ("photon_n", "unsigned int"),
    ("photon_truthMatched", "vector<bool>"),
    ("photon_trigMatched", "vector<bool>"),
    ("photon_pt", "vector<float>"),
    ("photon_eta", "vector<float>"),
    ("photon_phi", "vector<float>"),
    ("photon_E", "vector<float>"),
    ("photon_isTightID", "vector<bool>"),
    ("photon_ptcone30", "vector<float>"),
    ("photon_etcone20", "vector<float>"),
    ("photon_convType", "vector<int>"),
    ("tau_n", "unsigned int"),
    ("tau_pt", "vector<float>"),
    ("tau_eta", "vector<float>"),
    ("tau_phi", "vector<float>"),
    ("tau_E", "vector<float>"),
    ("tau_isTightID", "vector<bool>"),
    ("tau_truthMatched", "vector<bool>"),
    ("tau_trigMatched", "vector<bool>"),
    ("tau_nTracks", "vector<int>"),
    ("tau_BDTid", "vector<float>"),
    ("ditau_m", "float"),
    ("lep_pt_syst", "vector<float>"),
    ("met_et_syst", "float"),
    ("jet_pt_syst", "vector<float>"),
    ("photon_pt_syst", "vector<float>"),
    ("tau_pt_syst", "vector<float>"),
    ("XSection", "float"),
    ("SumWeights", "float"),
    ("largeRjet_n", "unsigned int"),
    ("largeRjet_pt", "vector<float>"),
    ("largeRjet_eta", "vector<float>"),
    ("largeRjet_phi", "vector<float>"),
    ("largeRjet_E", "vector<float>"),
    ("largeRjet_m", "vector<float>"),
    ("largeRjet_truthMatched", "vector<float>"),
    ("largeRjet_D2", "vector<float>"),
    ("largeRjet_tau32", "vector<float>"),
    ("largeRjet_pt_syst", "vector<float>"),
    ("tau_charge", "vector<int>"),
)
BRANCH_TYPES: dict[str, str] = dict(BRANCHES)

_NUMPY_TYPES = {
    "int": np.int32,
    "unsigned int": np.uint32,
    "unsigned long long": np.uint64,
    "float": np.float32,
    "double": np.float64,
    "bool": np.bool_,
}
_LEAF_CODES = {
    "int": "I",
    "unsigned int": "i",
    "unsigned long long": "l",
    "float": "F",
    "double": "D",
    "bool": "O",
}
# Per-event values of a data file (the real file's values: weights and scale factors carry no meaning there).
DATA_EVENT_CONSTANTS = {
    "mcWeight": 0.0,
    "XSection": 1.0,
    "SumWeights": 1.0,
    **{f"scaleFactor_{sf}": 0.0 for sf in _SCALE_FACTORS},
}


@dataclass
class Columns:
    """Column data of n events: scalars as numpy arrays, vectors as awkward arrays of lists."""

    values: dict[str, Any]

    def __len__(self) -> int:
        return len(self.values["eventNumber"])

    def take(self, index: np.ndarray) -> Columns:
        """The events at `index` (in that order)."""
        return Columns({k: v[index] for k, v in self.values.items()})

    @staticmethod
    def empty() -> Columns:
        """No events, every branch present."""
        return Columns(
            {name: empty_lists(0) if kind.startswith("vector") else np.zeros(0) for name, kind in BRANCHES}
        )

    @staticmethod
    def concatenate(parts: list[Columns]) -> Columns:
        """Join the events of several parts (all with the same columns)."""
        names = parts[0].values.keys()
        joined: dict[str, Any] = {}
        for name in names:
            pieces = [p.values[name] for p in parts]
            if BRANCH_TYPES[name].startswith("vector"):
                joined[name] = ak.concatenate(pieces, axis=0)
            else:
                joined[name] = np.concatenate(pieces)
        return Columns(joined)


def columns(reco: Mapping[str, Any], event_constants: Mapping[str, float]) -> Columns:
    """Ntuple columns from the detector response (GeV -> MeV here) plus per-event constants.

    Args:
        reco: output of `detector.simulate` for the selected events, plus `eventNumber`, `runNumber`,
            `channelNumber` and `mcWeight` numpy arrays.
        event_constants: values written to every event (XSection, SumWeights, scale factors).
    """
    lep, pho, jets = reco["leptons"], reco["photons"], reco["jets"]
    n = len(reco["eventNumber"])
    mev = MEV_PER_GEV
    values: dict[str, Any] = {
        "runNumber": reco["runNumber"],
        "eventNumber": reco["eventNumber"],
        "channelNumber": reco["channelNumber"],
        "mcWeight": reco["mcWeight"],
        "trigE": ak.to_numpy(ak.any(lep.trig_matched & (lep.kind == 11), axis=1)),
        "trigM": ak.to_numpy(ak.any(lep.trig_matched & (lep.kind == 13), axis=1)),
        "trigP": ak.to_numpy(ak.any(pho.trig_matched, axis=1)),
        "lep_n": ak.to_numpy(ak.num(lep)),
        "lep_truthMatched": lep.truth_matched,
        "lep_trigMatched": lep.trig_matched,
        "lep_pt": lep.pt * mev,
        "lep_eta": lep.eta,
        "lep_phi": lep.phi,
        "lep_E": lep.e * mev,
        "lep_z0": lep.z0,
        "lep_charge": lep.charge,
        "lep_type": lep.kind,
        "lep_isTightID": lep.tight,
        "lep_ptcone30": lep.ptcone30 * mev,
        "lep_etcone20": lep.etcone20 * mev,
        "lep_trackd0pvunbiased": lep.d0,
        "lep_tracksigd0pvunbiased": lep.d0_sig,
        "met_et": reco["met_et"] * mev,
        "met_phi": reco["met_phi"],
        "jet_n": ak.to_numpy(ak.num(jets.pt)),
        "jet_pt": jets.pt * mev,
        "jet_eta": jets.eta,
        "jet_phi": jets.phi,
        "jet_E": jets.e * mev,
        "jet_jvt": jets.jvt,
        "jet_trueflav": jets.trueflav,
        "jet_truthMatched": ak.ones_like(jets.pt, dtype=bool),
        "jet_MV2c10": jets.mv2c10,
        "photon_n": ak.to_numpy(ak.num(pho)),
        "photon_truthMatched": pho.truth_matched,
        "photon_trigMatched": pho.trig_matched,
        "photon_pt": pho.pt * mev,
        "photon_eta": pho.eta,
        "photon_phi": pho.phi,
        "photon_E": pho.e * mev,
        "photon_isTightID": pho.tight,
        "photon_ptcone30": pho.ptcone30 * mev,
        "photon_etcone20": pho.etcone20 * mev,
        "photon_convType": pho.conv_type,
        "ditau_m": np.zeros(n),
        "met_et_syst": np.zeros(n),
        "lep_pt_syst": ak.zeros_like(lep.pt),
        "jet_pt_syst": ak.zeros_like(jets.pt),
        "photon_pt_syst": ak.zeros_like(pho.pt),
    }
    # Taus and large-R jets are not simulated: empty collections, as in files where none was reconstructed.
    empty = empty_lists(n)
    for name, kind in BRANCHES:
        if name in values:
            continue
        if name in event_constants:
            values[name] = np.full(n, event_constants[name])
        elif kind == "unsigned int":
            values[name] = np.zeros(n)
        elif kind.startswith("vector"):
            values[name] = empty
        else:
            raise KeyError(f"no value for branch {name}")
    return Columns({name: values[name] for name, _ in BRANCHES})


def write(
    path: str | Path,
    data: Columns,
    *,
    layout: str = "2020",
    normalisation: Any = None,
    is_data: bool = False,
) -> None:
    """Write the columns as the release's tree with its branch types, atomically.

    Args:
        layout: "2020" (TTree `mini`, MeV) or "2025" (TTree `analysis`, GeV, see `ntuple_2025`).
        normalisation: for the 2025 layout, the `ntuple_2025.Normalisation` of a simulated file (None: its
            cross-section and sum of weights are read from the columns' XSection and SumWeights).
        is_data: the 2025 layout writes the constants of a data file.

    ROOT reports a failed write (a full disk, a file-size limit) only by printing an error, so the written
    file is opened again and must hold the whole tree before it gets its final name.

    Raises:
        OutputError: the file cannot be written, or does not read back complete.
    """
    if layout == "2025":
        from higgshunt.generation import ntuple_2025

        values = ntuple_2025.to_2025(data, normalisation, is_data=is_data)
        _write_tree(path, ntuple_2025.TREE_NAME, ntuple_2025.BRANCHES, values, len(data))
    elif layout == "2020":
        _write_tree(path, TREE_NAME, BRANCHES, data.values, len(data))
    else:
        raise ValueError(f"unknown ntuple layout '{layout}', expected one of {LAYOUTS}")


def read(path: str | Path) -> Columns:
    """The generator's columns of an ntuple of either layout (a 2025 file as written by `write`)."""
    import uproot

    from higgshunt.generation import ntuple_2025

    try:
        with uproot.open(path) as handle:
            if ntuple_2025.TREE_NAME in handle:
                return ntuple_2025.from_2025(handle[ntuple_2025.TREE_NAME].arrays(library="ak"))
            arrays = handle[TREE_NAME].arrays(library="ak")
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: cannot read TTree '{TREE_NAME}' ({exc})") from exc
    values = {}
    for name, kind in BRANCHES:
        values[name] = arrays[name] if kind.startswith("vector") else ak.to_numpy(arrays[name])
    return Columns(values)


def _write_tree(
    path: str | Path, tree_name: str, branches: Sequence[tuple[str, str]], values: Mapping[str, Any], n: int
) -> None:
    import ROOT

    def verify(tmp: Path) -> None:
        root_files.check_written(tmp, Path(path), {tree_name: n})

    with atomic_output(path, verify=verify) as tmp, root_files.quiet_root():
        handle = root_files.open_file(tmp, "RECREATE", "", ZLIB_LEVEL_1)
        if handle is None:
            raise OutputError(f"{path}: cannot create the ROOT file")
        tree = ROOT.TTree(tree_name, tree_name)
        buffers: dict[str, Any] = {}
        fillers = []
        scalars: list[tuple[np.ndarray, np.ndarray]] = []
        for name, kind in branches:
            element = _element_type(kind)
            if element is not None:
                # std::vector in the 2020 layout, ROOT::VecOps::RVec in the 2025 one, as in the real files
                vector = ROOT.std.vector if kind.startswith("vector") else ROOT.VecOps.RVec
                buffers[name] = vector(element)()
                tree.Branch(name, buffers[name])
                fillers.append((buffers[name], *_flat_and_offsets(values[name], element, n)))
            else:
                buffers[name] = np.zeros(1, dtype=_NUMPY_TYPES[kind])
                tree.Branch(name, buffers[name], f"{name}/{_LEAF_CODES[kind]}")
                scalars.append((buffers[name], np.asarray(values[name]).astype(_NUMPY_TYPES[kind])))
        for i in range(n):
            for buffer, array in scalars:
                buffer[0] = array[i]
            for vector, flat, offsets in fillers:
                vector.clear()
                for value in flat[offsets[i] : offsets[i + 1]]:
                    vector.push_back(value)
            tree.Fill()
        handle.Write()
        handle.Close()


def _element_type(kind: str) -> str | None:
    """The element type of a vector branch type (`vector<float>`, `RVec<int>`), None for a scalar."""
    for prefix in ("vector<", "RVec<"):
        if kind.startswith(prefix):
            return kind[len(prefix) : -1]
    return None


def _flat_and_offsets(values: Any, element: str, n: int) -> tuple[list[Any], list[int]]:
    # Python lists: indexing them per event is much faster than indexing numpy or awkward arrays.
    if n == 0:
        return [], [0]
    flat = ak.to_numpy(ak.flatten(values)).astype(_NUMPY_TYPES[element]).tolist()
    offsets = np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(values)))]).tolist()
    return flat, offsets


def empty_lists(n: int) -> ak.Array:
    """n empty lists (float64 typed, so that they write like any vector branch)."""
    return ak.unflatten(np.zeros(0), np.zeros(n, dtype=np.int64))
