"""Check input files before any event loop: readable, not truncated, tree present, branches present and typed.

RDataFrame would report most of these problems as a C++ compilation error or a crash in the middle of a run;
checking first gives one line naming the file and the branch, and lets `--skip-bad-files` drop just that file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from higgshunt.artifacts import root_files
from higgshunt.errors import InputError
from higgshunt.eventloop import remote

log = logging.getLogger(__name__)

# The ATLAS Open Data 13 TeV (2020) `mini` ntuple format: branch -> C++ type.
_SCALARS = {
    "int": "runNumber eventNumber channelNumber",
    "float": """mcWeight scaleFactor_PILEUP scaleFactor_ELE scaleFactor_MUON scaleFactor_PHOTON
        scaleFactor_TAU scaleFactor_BTAG scaleFactor_LepTRIGGER scaleFactor_PhotonTRIGGER met_et met_phi
        ditau_m met_et_syst XSection SumWeights""",
    "bool": "trigE trigM trigP",
    "unsigned int": "lep_n jet_n photon_n tau_n largeRjet_n",
}
_VECTORS = {
    "bool": """lep_truthMatched lep_trigMatched lep_isTightID jet_truthMatched photon_truthMatched
        photon_trigMatched photon_isTightID tau_isTightID tau_truthMatched tau_trigMatched""",
    "float": """lep_pt lep_eta lep_phi lep_E lep_z0 lep_ptcone30 lep_etcone20 lep_trackd0pvunbiased
        lep_tracksigd0pvunbiased jet_pt jet_eta jet_phi jet_E jet_jvt jet_MV2c10 photon_pt photon_eta
        photon_phi photon_E photon_ptcone30 photon_etcone20 tau_pt tau_eta tau_phi tau_E tau_BDTid
        lep_pt_syst jet_pt_syst photon_pt_syst tau_pt_syst largeRjet_pt largeRjet_eta largeRjet_phi
        largeRjet_E largeRjet_m largeRjet_truthMatched largeRjet_D2 largeRjet_tau32 largeRjet_pt_syst""",
    "int": "lep_charge jet_trueflav photon_convType tau_nTracks tau_charge",
    "unsigned int": "lep_type",
}
ATLAS_BRANCH_TYPES: dict[str, str] = {
    **{name: ctype for ctype, names in _SCALARS.items() for name in names.split()},
    **{name: f"vector<{ctype}>" for ctype, names in _VECTORS.items() for name in names.split()},
}
_LEAF_TYPES = {
    "Float_t": "float",
    "Double_t": "double",
    "Int_t": "int",
    "UInt_t": "unsigned int",
    "Bool_t": "bool",
    "Long64_t": "long long",
    "ULong64_t": "unsigned long long",
    "Short_t": "short",
    "UShort_t": "unsigned short",
    "Char_t": "char",
    "UChar_t": "unsigned char",
}
_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_RVEC = re.compile(r"^(?:ROOT::)?(?:VecOps::)?RVec<(.+)>$")


@dataclass
class FileCheck:
    """The outcome of checking the files of one sample."""

    good: list[str] = field(default_factory=list)
    entries: dict[str, int] = field(default_factory=dict)
    bad: dict[str, str] = field(default_factory=dict)  # file -> one-line reason

    @property
    def total_entries(self) -> int:
        return sum(self.entries.values())


def branches_used(expressions: Iterable[str]) -> list[str]:
    """ATLAS-format branches named in C++ expressions (identifiers that are known branch names), sorted."""
    found: set[str] = set()
    for expression in expressions:
        found.update(token for token in _IDENTIFIER.findall(expression) if token in ATLAS_BRANCH_TYPES)
    return sorted(found)


def check_file(
    path: str, tree_name: str, branches: Sequence[str], types: Mapping[str, str] = ATLAS_BRANCH_TYPES
) -> int:
    """Open `path`, check it and return the tree's number of entries; raise InputError naming the problem."""
    import ROOT

    handle = _open(path)
    if handle is None:
        raise InputError(f"{path}: cannot open as a ROOT file (missing, unreachable or corrupt)")
    try:
        if handle.TestBit(ROOT.TFile.kRecovered):
            raise InputError(
                f"{path}: the file is truncated or was not closed properly (ROOT had to recover it)"
            )
        tree = handle.Get(tree_name)
        if not tree or not isinstance(tree, ROOT.TTree):
            keys = [key.GetName() for key in handle.GetListOfKeys()]
            raise InputError(f"{path}: no TTree '{tree_name}' in the file (keys: {keys or 'none'})")
        for branch in branches:
            found = _branch_type(tree, branch)
            if found is None:
                raise InputError(f"{path}: tree '{tree_name}' has no branch '{branch}'")
            expected = types.get(branch)
            if expected is not None and found != expected:
                raise InputError(f"{path}: branch '{branch}' is {found}, expected {expected}")
        return int(tree.GetEntries())
    finally:
        handle.Close()


def check_files(
    files: Sequence[str],
    tree_name: str,
    branches: Sequence[str],
    *,
    skip_bad: bool,
    types: Mapping[str, str] = ATLAS_BRANCH_TYPES,
) -> FileCheck:
    """Check every file; with `skip_bad` collect the bad ones, otherwise raise on the first."""
    result = FileCheck()
    for path in files:
        try:
            readable = remote.localise(path)  # http(s) and cached root:// files: a local copy
            result.entries[readable] = check_file(readable, tree_name, branches, types)
            result.good.append(readable)
        except InputError as exc:
            if not skip_bad:
                raise
            log.warning("skipping bad file: %s", exc)
            result.bad[path] = str(exc)
    return result


def first_value(path: str, tree_name: str, branch: str) -> Any:
    """The value of a scalar branch in the first entry (e.g. channelNumber), None for an empty tree."""
    import ROOT

    handle = ROOT.TFile.Open(path, "READ")
    try:
        tree = handle.Get(tree_name)
        if tree.GetEntries() == 0:
            return None
        tree.SetBranchStatus("*", 0)
        tree.SetBranchStatus(branch, 1)
        tree.GetEntry(0)
        return getattr(tree, branch)
    finally:
        handle.Close()


def _open(path: str) -> Any:
    """The opened file or None; a remote file is retried with back-off (see higgshunt.eventloop.remote)."""
    if remote.scheme(path) is None:
        return root_files.open_file(path)  # ROOT's own complaint silenced: the caller's error is the one line

    def attempt() -> Any:
        handle = root_files.open_file(path)
        if handle is None:
            raise OSError("cannot open")
        return handle

    try:
        return remote.with_retries(attempt, path, remote.RemoteSettings.from_environment())
    except OSError:
        return None


def _branch_type(tree: Any, name: str) -> str | None:
    branch = tree.GetBranch(name)
    if not branch:
        return None
    class_name = branch.GetClassName()
    if class_name:
        compact = str(class_name).replace(" ", "").replace("unsignedint", "unsigned int")
        # RDataFrame's Snapshot (and the 2025 release) store RVec<T>, read like the 2020 files' vector<T>
        return _RVEC.sub(r"vector<\1>", compact)
    leaf = branch.GetLeaf(name) or branch.GetListOfLeaves().At(0)
    type_name = str(leaf.GetTypeName())
    return _LEAF_TYPES.get(type_name, type_name)
