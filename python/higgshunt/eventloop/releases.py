"""Input schemas of the ATLAS Open Data 13 TeV releases, applied as the first step of every event graph.

Channel configs are written once against higgshunt's event model: the 2020 release's `mini` branch names,
in its units (MeV for energies and momenta, mm for lengths), leptons loosely identified and isolated and
ordered by decreasing pT. Exported features are converted to GeV afterwards (`units.MEV_PER_GEV`), so GeV is
the unit of everything higgshunt writes. A release is a declarative schema: its tree, the branches that
identify it, and the columns (name -> C++ expression on the file's own branches) that turn its files into the
event model. The schema is chosen from the file's content (`detect`) and can be forced by name (`--release`).

The definitions are plain data, readable by anything that builds a graph, Python or generated C++.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from higgshunt.errors import InputError
from higgshunt.units import MEV_PER_GEV


@dataclass(frozen=True)
class ReleaseSchema:
    """How the files of one release become higgshunt's event model."""

    name: str
    tree: str
    units: str  # of the file's energies and momenta
    required: tuple[str, ...]  # branches whose presence identifies the release
    # Event-model column -> C++ expression on the file's branches, applied in order; a name that is already a
    # branch of the file is redefined (its old value is still readable inside its own expression).
    columns: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Normalisation record -> branches whose first-entry product gives it (constant within a file).
    normalisation: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def missing(self, branches: Collection[str]) -> list[str]:
        return [name for name in self.required if name not in branches]


# 2020 release (10 fb^-1, 2016): already the event model.
RELEASE_2020 = ReleaseSchema(
    name="2020-13tev",
    tree="mini",
    units="MeV",
    required=("lep_n", "lep_pt", "lep_E", "mcWeight", "XSection", "SumWeights", "scaleFactor_PILEUP"),
)

_GEV = f"{MEV_PER_GEV!r}f"
# MV2c10 working points of the 2016 calibration, by b-jet efficiency: 85, 77, 70 and 60 %.
MV2C10_WORKING_POINTS = (0.1758475, 0.645925, 0.8244273, 0.934906)
# The 2025 files tag b-jets by a quantile q of DL1d between the same efficiency points (1: fails the 85 %
# point, 5: passes the 60 % one). The event model reads q as a score inside the q-th MV2c10 interval, so that
# a cut at a working point (e.g. jet_MV2c10 > 0.645925, 77 %) keeps exactly the quantiles that pass it.
BTAG_QUANTILE_SCORES = (0.0, 0.41, 0.735, 0.88, 0.97)


def _quantile_score() -> str:
    expression = f"{BTAG_QUANTILE_SCORES[0]!r}f"
    for quantile, score in enumerate(BTAG_QUANTILE_SCORES[1:], start=2):
        expression = f"ROOT::VecOps::Where(jet_btag_quantile >= {quantile}, {score!r}f, {expression})"
    return f"ROOT::RVecF({expression})"


# Lepton vectors carried into the event model, in the order they are re-sorted.
_LEPTON_VECTORS = (
    "lep_pt", "lep_eta", "lep_phi", "lep_e", "lep_charge", "lep_type", "lep_z0", "lep_d0", "lep_d0sig",
    "lep_ptvarcone30", "lep_topoetcone20", "lep_isTightID", "lep_isMediumID", "lep_isLooseID",
    "lep_isTightIso", "lep_isLooseIso", "lep_isTrigMatched",
)  # fmt: skip


def _columns_2025() -> tuple[tuple[str, str], ...]:
    # The 2020 files kept only loosely identified and isolated leptons, ordered by decreasing pT; the 2025
    # files keep every lepton, electrons first: the same preselection and order are made here, before any cut.
    # The mask and order are columns of their own, computed before any lepton vector is redefined.
    order = "ROOT::VecOps::Reverse(ROOT::VecOps::Argsort(lep_pt[hh_lep_keep]))"
    columns = [("hh_lep_keep", "lep_isLooseID && lep_isLooseIso"), ("hh_lep_order", order)]
    columns += [(name, f"ROOT::VecOps::Take({name}[hh_lep_keep], hh_lep_order)") for name in _LEPTON_VECTORS]
    renamed = {
        # the event model's types are the 2020 ones: unsigned counts and lepton types
        "lep_n": "static_cast<unsigned int>(lep_pt.size())",
        "lep_type": "ROOT::RVec<unsigned int>(lep_type.begin(), lep_type.end())",
        "lep_E": f"lep_e * {_GEV}",
        "lep_pt": f"lep_pt * {_GEV}",
        "lep_ptcone30": f"lep_ptvarcone30 * {_GEV}",
        "lep_etcone20": f"lep_topoetcone20 * {_GEV}",
        "lep_trackd0pvunbiased": "lep_d0",
        "lep_tracksigd0pvunbiased": "ROOT::VecOps::abs(lep_d0sig)",  # signed in 2025, unsigned in 2020
        "lep_trigMatched": "lep_isTrigMatched",
        "met_et": f"met * {_GEV}",
        "jet_pt": f"jet_pt * {_GEV}",
        "jet_E": f"jet_e * {_GEV}",
        "photon_pt": f"photon_pt * {_GEV}",
        "photon_E": f"photon_e * {_GEV}",
        "photon_ptcone30": f"photon_ptcone20 * {_GEV}",
        "photon_etcone20": f"photon_topoetcone40 * {_GEV}",
        "XSection": "double(xsec) * double(filteff) * double(kfac)",
        "SumWeights": "double(sum_of_weights)",
        "jet_MV2c10": _quantile_score(),
        "scaleFactor_PhotonTRIGGER": "1.0f",  # no photon trigger scale factor in the 2025 files
    }
    columns += list(renamed.items())
    columns += [
        (f"scaleFactor_{factor}", f"ScaleFactor_{factor}")
        for factor in ("PILEUP", "ELE", "MUON", "PHOTON", "TAU", "BTAG", "LepTRIGGER")
    ]
    return tuple(columns)


# 2025 education release `2025e-13tev-beta` (36 fb^-1, 2015+2016), see docs/samples.md.
RELEASE_2025 = ReleaseSchema(
    name="2025e-13tev-beta",
    tree="analysis",
    units="GeV",
    required=(
        "lep_n", "lep_pt", "lep_eta", "lep_phi", "lep_e", "lep_charge", "lep_type", "lep_isLooseID",
        "lep_isLooseIso", "mcWeight", "xsec", "filteff", "kfac", "sum_of_weights", "ScaleFactor_PILEUP",
    ),
    columns=_columns_2025(),
    normalisation=(("xsec_pb", ("xsec", "filteff", "kfac")), ("sum_weights", ("sum_of_weights",))),
)  # fmt: skip

# Column names read by an expression: identifiers that are neither namespaces, members, functions nor types.
_INPUT = re.compile(r"(?<![:.])\b[A-Za-z_][A-Za-z0-9_]*\b(?!\s*(?:::|\())")
_CPP_WORDS = frozenset({"unsigned", "int", "float", "double", "bool", "static_cast"})

RELEASES: dict[str, ReleaseSchema] = {schema.name: schema for schema in (RELEASE_2025, RELEASE_2020)}


def by_name(name: str) -> ReleaseSchema:
    """The schema called `name` (as given to --release); a ConfigError-like one-line error otherwise."""
    try:
        return RELEASES[name]
    except KeyError:
        raise InputError(f"unknown release '{name}' (known: {', '.join(RELEASES)})") from None


def detect(path: str, trees: Mapping[str, Collection[str]]) -> ReleaseSchema:
    """The release of a file from its trees and their branches; one line listing what is missing otherwise."""
    closest: list[str] = []
    for schema in RELEASES.values():
        if schema.tree not in trees:
            closest.append(f"{schema.name}: no TTree '{schema.tree}'")
            continue
        missing = schema.missing(trees[schema.tree])
        if not missing:
            return schema
        closest.append(f"{schema.name}: tree '{schema.tree}' lacks {', '.join(missing)}")
    raise InputError(f"{path}: layout of no known release ({'; '.join(closest)})")


def trees_of(path: str) -> dict[str, list[str]]:
    """The TTrees of a file and their branch names; an InputError when it cannot be opened."""
    import ROOT

    from higgshunt.artifacts import root_files

    handle = root_files.open_file(path)
    if handle is None:
        raise InputError(f"{path}: cannot open as a ROOT file (missing, unreachable or corrupt)")
    try:
        trees: dict[str, list[str]] = {}
        for key in handle.GetListOfKeys():
            obj = handle.Get(key.GetName())
            if isinstance(obj, ROOT.TTree):
                trees[key.GetName()] = [branch.GetName() for branch in obj.GetListOfBranches()]
        return trees
    finally:
        handle.Close()


def detect_file(path: str) -> ReleaseSchema:
    """Open `path` and detect its release."""
    return detect(path, trees_of(path))


def outside_event_model(columns: Iterable[str]) -> frozenset[str]:
    """The columns that are a release's own branches, not the event model's: a config may define over them."""
    from higgshunt.eventloop.inputs import ATLAS_BRANCH_TYPES

    model = set(ATLAS_BRANCH_TYPES) | {name for schema in RELEASES.values() for name, _ in schema.columns}
    return frozenset(columns) - model


def apply(df: Any, schema: ReleaseSchema, branches: Iterable[str] | None = None) -> Any:
    """Define (or redefine) the event-model columns of `schema` on the RDataFrame node `df`."""
    present = set(branches if branches is not None else (str(c) for c in df.GetColumnNames()))
    node = df
    for name, expression in schema.columns:
        if not set(_INPUT.findall(expression)) - _CPP_WORDS <= present:
            continue  # a collection this skim does not carry (e.g. no photons): its columns stay undefined
        node = node.Redefine(name, expression) if name in present else node.Define(name, expression)
        present.add(name)
    return node
