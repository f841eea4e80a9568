"""How close the built-in world is to the real one: the official ATLAS Open Data notebooks' selections applied
to the generated samples, against the yields those notebooks (or the real data) show.

Each target is a number read from a public source (docs/samples.md, "Calibration", names them): the expected
signal and background of the 2020 and 2025 H -> ZZ* -> 4l notebooks in their mass windows, and the number of
real diphoton events of the 2020 H -> gamma gamma selection in 105-160 GeV. The selections are written here
once more, in numpy, exactly as the notebooks apply them (not through the channel configs, whose selections
are higgshunt's own): a drift of the generator then shows here and nowhere else.

All numbers are pre-fit expected yields from simulation at the target's luminosity, except the diphoton count,
which is compared with real data: there the simulated signal plus background is what the pseudo-data of the
same luminosity hold on average.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np

from higgshunt.artifacts import sample_manifest
from higgshunt.generation import ntuple
from higgshunt.units import MEV_PER_GEV, PB_PER_FB

# A selection: the columns of one file -> (mass in GeV, passes), one entry per event.
Selection = Callable[[ntuple.Columns], tuple[np.ndarray, np.ndarray]]

# The scale factors each notebook multiplies into the weight (1 in the built-in samples, kept for honesty).
_LEPTON_FACTORS = ("scaleFactor_PILEUP", "scaleFactor_ELE", "scaleFactor_MUON", "scaleFactor_LepTRIGGER")
_PHOTON_FACTORS = ("scaleFactor_PILEUP", "scaleFactor_PHOTON")
# `lep_isLooseIso` of the 2025 release (ATLAS' FixedCutLoose: track and calorimeter cone sums below 15 % and
# 20 % of the pT), from the generated cone sums: the generator's 2025 layout writes the flag true for every
# lepton (the event model's loosely isolated leptons), which keeps the fakes this cut removes in real files.
LOOSE_ISOLATION = (0.15, 0.20)
# Flavour sums of four leptons that form two same-flavour pairs: eeee, eemumu, mumumumu.
_PAIRABLE_FLAVOURS = (44, 48, 52)


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: short label.
        quantity: "signal", "background" or "signal + background" (simulated, at `lumi_fb`).
        reference: the target value; `tolerance` its allowed relative deviation.
        source: where the value comes from.
        skim: the generated skim the selection runs on.
        selection: the selection, as the source applies it.
        window_gev: the mass window the value counts.
        lumi_fb: the luminosity of the source.
        measure: "sum" (the weighted events of `quantity` in the window) or "fall" (how the spectrum falls:
            events of the first over the last `FALL_BIN_GEV` of the window, all kinds together).
    """

    name: str
    quantity: str
    reference: float
    tolerance: float
    source: str
    skim: str
    selection: Selection
    window_gev: tuple[float, float]
    lumi_fb: float
    measure: str = "sum"


@dataclass(frozen=True)
class Achieved:
    """A target and the value the built-in samples give, with its statistical error from the simulation."""

    target: Target
    value: float
    error: float

    @property
    def ratio(self) -> float:
        return self.value / self.target.reference

    @property
    def within(self) -> bool:
        return abs(self.ratio - 1.0) <= self.target.tolerance


def _four_lepton_mass(columns: ntuple.Columns) -> np.ndarray:
    """Invariant mass (GeV) of the first four leptons of each event (events with fewer give NaN)."""
    values = columns.values
    pt, eta, phi, energy = (
        ak.pad_none(values[name], 4)[:, :4] for name in ("lep_pt", "lep_eta", "lep_phi", "lep_E")
    )
    px = ak.sum(pt * np.cos(phi), axis=1)
    py = ak.sum(pt * np.sin(phi), axis=1)
    pz = ak.sum(pt * np.sinh(eta), axis=1)
    e = ak.sum(energy, axis=1)
    m2 = ak.to_numpy(ak.fill_none(e**2 - px**2 - py**2 - pz**2, np.nan)).astype(np.float64)
    return np.sqrt(np.clip(m2, 0.0, None)) / MEV_PER_GEV


def _first_four(columns: ntuple.Columns, name: str) -> np.ndarray:
    """Sum of a per-lepton column over the first four leptons (0 where there are fewer)."""
    return ak.to_numpy(ak.sum(columns.values[name][:, :4], axis=1)).astype(np.int64)


def hzz4l_notebook_2020(columns: ntuple.Columns) -> tuple[np.ndarray, np.ndarray]:
    """The 2020 H -> 4l notebook (`HZZAnalysis.ipynb`, 2020 release, `4lep` skim): the first four leptons
    (the release's loose, isolated leptons in decreasing pT) have total charge 0 and a flavour sum of 44, 48
    or 52. No trigger, pT, Z-mass or impact-parameter cut."""
    n = columns.values["lep_n"].astype(np.int64)
    passes = (
        (n >= 4)
        & (_first_four(columns, "lep_charge") == 0)
        & np.isin(_first_four(columns, "lep_type"), _PAIRABLE_FLAVOURS)
    )
    return _four_lepton_mass(columns), passes


def hzz4l_notebook_2025(columns: ntuple.Columns) -> tuple[np.ndarray, np.ndarray]:
    """The 2025 H -> 4l notebook (`HZZAnalysis.ipynb`, 2025 release, `exactly4lep` skim): trigE or trigM, a
    trigger-matched lepton, exactly four leptons passing the loose ID (every generated lepton does) and loose
    isolation (`LOOSE_ISOLATION`), pT > 20, 15, 10 GeV in decreasing order, flavour sum 44, 48 or 52, total
    charge 0."""
    values = columns.values
    pt = ak.sort(values["lep_pt"], axis=1, ascending=False)
    track, calo = LOOSE_ISOLATION
    isolated = (values["lep_ptcone30"] < track * values["lep_pt"]) & (
        values["lep_etcone20"] < calo * values["lep_pt"]
    )
    lead = ak.to_numpy(ak.fill_none(ak.pad_none(pt, 3)[:, :3], 0.0)).astype(np.float64) / MEV_PER_GEV
    passes = (
        (values["trigE"].astype(bool) | values["trigM"].astype(bool))
        & ak.to_numpy(ak.any(values["lep_trigMatched"], axis=1))
        & (values["lep_n"].astype(np.int64) == 4)
        & ak.to_numpy(ak.all(isolated, axis=1))
        & (lead[:, 0] > 20.0)
        & (lead[:, 1] > 15.0)
        & (lead[:, 2] > 10.0)
        & np.isin(_first_four(columns, "lep_type"), _PAIRABLE_FLAVOURS)
        & (_first_four(columns, "lep_charge") == 0)
    )
    return _four_lepton_mass(columns), passes


def hyy_notebook_2020(columns: ntuple.Columns) -> tuple[np.ndarray, np.ndarray]:
    """The 2020 H -> gamma gamma notebook (`HyyAnalysis.ipynb`, 2020 release, `GamGam` skim): the first two
    photons are tight, have pT > 40 and 30 GeV, etcone20 < 4 GeV and lie outside 1.37 < abs(eta) < 1.52."""
    values = columns.values
    two = ak.to_numpy(ak.num(values["photon_pt"], axis=1)) >= 2

    def first_two(name: str, fill: float) -> np.ndarray:
        padded = ak.fill_none(ak.pad_none(values[name], 2)[:, :2], fill)
        return ak.to_numpy(padded).astype(np.float64)

    pt = first_two("photon_pt", 0.0) / MEV_PER_GEV
    eta = first_two("photon_eta", 0.0)
    phi = first_two("photon_phi", 0.0)
    energy = first_two("photon_E", 0.0) / MEV_PER_GEV
    tight = first_two("photon_isTightID", 0.0) > 0
    etcone = first_two("photon_etcone20", np.inf) / MEV_PER_GEV
    outside_crack = (np.abs(eta) < 1.37) | (np.abs(eta) > 1.52)
    passes = (
        two
        & tight.all(axis=1)
        & (pt[:, 0] > 40.0)
        & (pt[:, 1] > 30.0)
        & (etcone < 4.0).all(axis=1)
        & outside_crack.all(axis=1)
    )
    px = (pt * np.cos(phi)).sum(axis=1)
    py = (pt * np.sin(phi)).sum(axis=1)
    pz = (pt * np.sinh(eta)).sum(axis=1)
    m2 = energy.sum(axis=1) ** 2 - px**2 - py**2 - pz**2
    return np.sqrt(np.clip(m2, 0.0, None)), passes


def four_lepton_skim(columns: ntuple.Columns) -> tuple[np.ndarray, np.ndarray]:
    """Every event of the `4lep` skim (at least four leptons, a single-lepton trigger), with its m4l."""
    return _four_lepton_mass(columns), np.ones(len(columns), dtype=bool)


_NOTEBOOK_2020 = "ATLAS Open Data 2020 HZZAnalysis.ipynb, 10 fb^-1"
_NOTEBOOK_2025 = "ATLAS Open Data 2025 HZZAnalysis.ipynb, 36.6 fb^-1"
_DIPHOTON = "real 2020 GamGam data, HyyAnalysis.ipynb selection, 10 fb^-1"
_DIPHOTON_SHAPE = "ATLAS 13 TeV diphoton spectra (HGG-BKG): a factor of about 3-4 from 105 to 160 GeV"
FALL_BIN_GEV = 5.0
# The real file shipped for the tests (../shared/data/atlas_opendata_13tev/data_A.4lep.root): 39 events.
_REAL_4LEP = "real 2020 data_A.4lep.root (period A, 0.5 fb^-1)"


def _notebook_pair(
    label: str,
    signal: float,
    background: float,
    source: str,
    selection: Selection,
    window: tuple[float, float],
    lumi_fb: float,
) -> tuple[Target, Target]:
    """The expected signal and background of an H -> 4l notebook (both within 25 %)."""
    return (
        Target(f"{label} signal", "signal", signal, 0.25, source, "4lep", selection, window, lumi_fb),
        Target(
            f"{label} background", "background", background, 0.25, source, "4lep", selection, window, lumi_fb
        ),
    )


TARGETS: tuple[Target, ...] = (
    *_notebook_pair("H->4l 2020", 9.0, 21.0, _NOTEBOOK_2020, hzz4l_notebook_2020, (115.0, 130.0), 10.0),
    *_notebook_pair("H->4l 2025", 18.0, 10.0, _NOTEBOOK_2025, hzz4l_notebook_2025, (122.5, 130.0), 36.6),
    Target(
        "4lep skim events",
        "signal + background",
        39.0,
        0.25,
        _REAL_4LEP,
        "4lep",
        four_lepton_skim,
        (0.0, math.inf),
        0.5,
    ),
    Target(
        "diphoton events",
        "signal + background",
        87_000.0,
        0.20,
        _DIPHOTON,
        "GamGam",
        hyy_notebook_2020,
        (105.0, 160.0),
        10.0,
    ),
    Target(
        "diphoton spectrum falls",
        "ratio 105-110 / 155-160 GeV",
        3.5,
        0.30,
        _DIPHOTON_SHAPE,
        "GamGam",
        hyy_notebook_2020,
        (105.0, 160.0),
        10.0,
        measure="fall",
    ),
)


def expected_weights(columns: ntuple.Columns, lumi_fb: float, factors: Sequence[str]) -> np.ndarray:
    """Per-event expected yield: mcWeight x scale factors x XSection x lumi / SumWeights (signs kept)."""
    values = columns.values
    weight = (
        values["mcWeight"].astype(np.float64) * values["XSection"].astype(np.float64) * lumi_fb * PB_PER_FB
    )
    for factor in factors:
        weight = weight * values[factor].astype(np.float64)
    return weight / values["SumWeights"].astype(np.float64)


@dataclass(frozen=True)
class _Selected:
    """The events of one simulated file that pass a selection: mass (GeV), weight at 1 fb^-1, kind."""

    mass: np.ndarray
    weight: np.ndarray
    kind: str


def _select_files(
    entries: Iterable[tuple[Path, str]], selection: Selection, factors: Sequence[str]
) -> list[_Selected]:
    out = []
    for path, kind in entries:
        columns = ntuple.read(path)
        if not len(columns):
            continue
        mass, passes = selection(columns)
        out.append(_Selected(mass[passes], expected_weights(columns, 1.0, factors)[passes], kind))
    return out


def _in_window(selected: list[_Selected], target: Target) -> tuple[float, float]:
    """Sum of weights and its statistical error over the target's kinds and window, at its luminosity."""
    kinds = {"signal": ("signal",), "background": ("background",)}.get(
        target.quantity, ("signal", "background")
    )
    low, high = target.window_gev
    total = variance = 0.0
    for part in selected:
        if part.kind not in kinds:
            continue
        w = part.weight[(part.mass > low) & (part.mass < high)] * target.lumi_fb
        total += float(w.sum())
        variance += float((w**2).sum())
    return total, float(np.sqrt(variance))


def _fall(selected: list[_Selected], target: Target) -> tuple[float, float]:
    """Events in the first over the last FALL_BIN_GEV of the window (all kinds), with its statistical
    error."""
    low, high = target.window_gev
    edges = np.array([low, low + FALL_BIN_GEV, high - FALL_BIN_GEV, high])
    sums = np.zeros(3)
    squares = np.zeros(3)
    for part in selected:
        sums += np.histogram(part.mass, bins=edges, weights=part.weight)[0]
        squares += np.histogram(part.mass, bins=edges, weights=part.weight**2)[0]
    first, last = sums[0], sums[2]
    if first <= 0 or last <= 0:  # no simulated events at one end: no ratio
        return math.nan, math.nan
    ratio = first / last
    return float(ratio), float(ratio * np.sqrt(squares[0] / first**2 + squares[2] / last**2))


def calibrate(manifest_path: str | Path, targets: Sequence[Target] = TARGETS) -> list[Achieved]:
    """The achieved value of each target on the samples of a generated manifest (samples.json); targets of a
    skim the manifest has no simulated samples of are left out."""
    manifest = sample_manifest.load(manifest_path)
    root = Path(manifest.path).parent
    cache: dict[tuple[str, Selection], list[_Selected]] = {}
    results = []
    for target in targets:
        key = (target.skim, target.selection)
        if key not in cache:
            files = [
                (root / entry.path, entry.kind)
                for entry in manifest.entries
                if entry.skim == target.skim and entry.kind in ("signal", "background")
            ]
            factors = _PHOTON_FACTORS if target.skim == "GamGam" else _LEPTON_FACTORS
            cache[key] = _select_files(files, target.selection, factors)
        if not cache[key]:
            continue
        value, error = (_fall if target.measure == "fall" else _in_window)(cache[key], target)
        results.append(Achieved(target, value, error))
    return results


def table(results: Sequence[Achieved]) -> list[str]:
    """The calibration as Markdown table lines."""
    lines = [
        "| target | quantity (pre-fit expected) | window [GeV] | lumi [fb^-1] | reference | source "
        "| achieved | ratio | tolerance |",
        "|---|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        t = r.target
        lines.append(
            f"| {t.name} | {t.quantity} | {_window(t)} | {t.lumi_fb:g} | {t.reference:g} "
            f"| {t.source} | {r.value:.4g} +- {r.error:.2g} | {r.ratio:.2f} | +-{t.tolerance:.0%} |"
        )
    return lines


def _window(target: Target) -> str:
    low, high = target.window_gev
    return "all" if (low, high) == (0.0, math.inf) else f"{low:g}-{high:g}"
