"""Tiny ATLAS-format four-lepton samples with a known m4l spectrum, and an independent reference of the bump
hunt.

Each event has 3-5 massless leptons; the first four are scaled so that their invariant mass is exactly the
drawn m4l (a 125 GeV peak for signal, a falling spectrum for background). The reference reads the written
files with uproot and recomputes selection, weights, masses, scores and the best score cut with numpy only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

LUMI_FB = 10.0
MASS_EDGES = np.linspace(80.0, 170.0, 25)  # the test config's binning: 24 bins of 3.75 GeV
WINDOW = (117.5, 132.5)
SCORE_EDGES = np.linspace(0.0, 1.0, 51)
# Ratios of lepton pTs: independent of m4l by construction, so a score cut does not sculpt the mass spectrum.
FEATURES = ["pt_ratio_41", "pt_ratio_31"]
# name -> (kind, events, xsec_pb, sum_weights, seed)
SAMPLES: dict[str, tuple[str, int, float, float, int]] = {
    "signal_h125": ("signal", 600, 0.003, 600.0, 11),
    "background_zz": ("background", 1500, 0.03, 1500.0, 12),
}


def draw_masses(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """m4l in GeV: a 2 GeV wide peak at 125 (signal) or a falling spectrum from 60 GeV (background), kept at
    least 0.05 GeV away from every bin edge so float32 rounding cannot move an event to another bin."""
    masses = rng.normal(125.0, 2.0, n) if kind == "signal" else 60.0 + rng.exponential(60.0, n)
    distance = masses[:, None] - MASS_EDGES[None, :]
    near = np.abs(distance) < 0.05
    return masses + 0.1 * near.any(axis=1)


def events(kind: str, n: int, seed: int, first_event: int) -> dict[str, Any]:
    """Branches of `n` events (lists of per-event arrays for the lepton vectors)."""
    rng = np.random.default_rng(seed)
    masses = draw_masses(kind, n, rng)
    n_leptons = rng.choice([3, 4, 5], size=n, p=[0.1, 0.8, 0.1])
    pt, eta, phi, energy = [], [], [], []
    for mass, count in zip(masses, n_leptons, strict=True):
        # Balanced lepton pTs for signal, one hard lepton and soft ones for background.
        raw_pt = rng.uniform(20.0, 60.0, 4) if kind == "signal" else 5.0 + rng.exponential(20.0, 4)
        l_pt = np.sort(raw_pt)[::-1]
        l_eta, l_phi = rng.uniform(-2.4, 2.4, 4), rng.uniform(-math.pi, math.pi, 4)
        scale = mass / invariant_mass(l_pt, l_eta, l_phi, l_pt * np.cosh(l_eta))
        l_pt = l_pt * scale
        if count == 5:
            l_pt, l_eta, l_phi = np.append(l_pt, 6.0), np.append(l_eta, 0.3), np.append(l_phi, 1.0)
        l_pt, l_eta, l_phi = l_pt[:count], l_eta[:count], l_phi[:count]
        pt.append(np.float32(l_pt * 1e3))
        eta.append(np.float32(l_eta))
        phi.append(np.float32(l_phi))
        energy.append(np.float32(l_pt * 1e3 * np.cosh(l_eta)))
    event_number = np.arange(first_event, first_event + n, dtype=np.int32)
    if kind == "background":  # a few negative and zero generator weights
        mc_weight = np.where(event_number % 20 == 3, -1.0, np.where(event_number % 20 == 7, 0.0, 1.0))
    else:
        mc_weight = 1.0 + 0.5 * (event_number % 3 == 0)
    return {
        "runNumber": np.full(n, 284500, dtype=np.int32),
        "eventNumber": event_number,
        "channelNumber": np.full(n, 999000, dtype=np.int32),
        "mcWeight": np.float32(mc_weight),
        "scaleFactor_PILEUP": np.float32(0.9 + 0.01 * (event_number % 7)),
        "trigE": np.ones(n, dtype=bool),
        "trigM": np.zeros(n, dtype=bool),
        "lep_n": n_leptons.astype(np.uint32),
        "lep_pt": pt,
        "lep_eta": eta,
        "lep_phi": phi,
        "lep_E": energy,
        "lep_charge": [np.resize(np.array([1, -1], dtype=np.int32), len(p)) for p in pt],
        "lep_type": [np.full(len(p), 13, dtype=np.uint32) for p in pt],
    }


def invariant_mass(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, energy: np.ndarray) -> float:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    m2 = energy.sum() ** 2 - px.sum() ** 2 - py.sum() ** 2 - pz.sum() ** 2
    return float(math.sqrt(max(m2, 0.0)))


def write_ntuple(path: Path, branches: dict[str, Any]) -> Path:
    """Write the branches as the TTree `mini` (vectors as jagged arrays) with uproot."""
    import awkward as ak
    import uproot

    data = {k: (ak.Array(list(v)) if isinstance(v, list) else v) for k, v in branches.items()}
    jagged = {k: v for k, v in data.items() if isinstance(v, ak.Array)}
    flat = {k: v for k, v in data.items() if k not in jagged}
    leptons = ak.zip({k.removeprefix("lep_"): v for k, v in jagged.items()})
    with uproot.recreate(path) as handle:  # mktree: a TTree (assigning a dict would write an RNTuple)
        tree = handle.mktree("mini", {**{k: v.dtype for k, v in flat.items()}, "lep": leptons.type})
        tree.extend({**flat, "lep": leptons})
    return path


def skim_config(files: dict[str, Path], data_files: list[Path]) -> dict[str, Any]:
    """A four-lepton skim of the test samples: at least four leptons, leading lepton above 25 GeV."""
    samples = [
        {
            "name": name,
            "kind": kind,
            "files": [str(files[name])],
            "xsec_pb": xsec,
            "sum_weights": sumw,
            "dsid": 999000,
        }
        for name, (kind, _, xsec, sumw, _) in SAMPLES.items()
    ]
    samples.append({"name": "data", "kind": "data", "files": [str(path) for path in data_files]})
    return {
        "channel": "hzz4l",
        "tree": "mini",
        "lumi_fb": LUMI_FB,
        "folds": 2,
        "weights": {"mc": "mcWeight", "scale_factors": ["scaleFactor_PILEUP"]},
        "samples": samples,
        "definitions": {"first_four": "ROOT::RVecI{0, 1, 2, 3}"},
        "cuts": [
            {"name": "trigger", "expression": "trigE || trigM"},
            {"name": "four_leptons", "expression": "lep_n >= 4"},
            {"name": "leading_pt", "expression": "lep_pt[0] > 25000.f"},
        ],
        "features": [
            {"name": "lep{i}_pt", "expression": "lep_pt", "unit": "MeV", "size": 4},
            {
                "name": "m4l",
                "expression": "higgshunt::InvariantMass(lep_pt, lep_eta, lep_phi, lep_E, first_four)",
                "unit": "MeV",
            },
            {"name": "pt_ratio_41", "expression": "lep_pt[3] / lep_pt[0]"},
            {"name": "pt_ratio_31", "expression": "lep_pt[2] / lep_pt[0]"},
        ],
    }


def train_model(directory: Path, seed: int = 5) -> Path:
    """Two XGBoost fold models (signal vs background on fresh events) in a trained-model directory."""
    import json

    import xgboost as xgb

    directory.mkdir(parents=True)
    files = []
    for fold in range(2):
        x, label = [], []
        for kind, value in (("signal", 1), ("background", 0)):
            table = features_of(events(kind, 800, seed + 10 * fold + value, 0))
            x.append(table[table[:, 0] > 0, 2:])
            label += [value] * len(x[-1])
        params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": seed, "nthread": 1}
        booster = xgb.train(params, xgb.DMatrix(np.vstack(x), label=label), num_boost_round=15)
        booster.save_model(str(directory / f"fold{fold}.json"))
        files.append(f"fold{fold}.json")
    manifest = {
        "format": "higgshunt-trained",
        "version": 3,
        "kind": "bdt",
        "backend": "xgboost",
        "features": FEATURES,
        "n_folds": 2,
        "fold_rule": "eventNumber % n_folds",
        "training_folds": "eventNumber % 2",
        "training_events": "training_events.npy",
        "score": "probability",
        "files": files,
        "derived": {},
        "provenance": {"test": True},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    np.save(directory / "training_events.npy", np.asarray([], dtype=np.uint64))
    return directory


def features_of(branches: dict[str, Any]) -> np.ndarray:
    """Per event: leading lepton pT and m4l (GeV), then FEATURES; zeros for events with fewer than four
    leptons.

    The ratios are float32 divisions, as the skim's C++ expression computes them."""
    rows = []
    for pt, eta, phi, energy in zip(
        branches["lep_pt"], branches["lep_eta"], branches["lep_phi"], branches["lep_E"], strict=True
    ):
        if len(pt) < 4:
            rows.append(np.zeros(2 + len(FEATURES)))
            continue
        p = [np.asarray(a[:4], dtype=np.float64) for a in (pt, eta, phi, energy)]
        pt32 = np.asarray(pt, dtype=np.float32)
        rows.append([p[0][0] * 1e-3, invariant_mass(*p) * 1e-3, pt32[3] / pt32[0], pt32[2] / pt32[0]])
    return np.array(rows, dtype=np.float64)


def reference(path: Path, kind: str, xsec_pb: float = 0.0, sum_weights: float = 1.0) -> dict[str, np.ndarray]:
    """Selected events of a written file, recomputed with uproot + numpy: event numbers, weights, features."""
    import uproot

    with uproot.open(path) as handle:
        tree = handle["mini"]
        raw = tree.arrays(library="np")
    lep = {name: list(raw[name]) for name in ("lep_pt", "lep_eta", "lep_phi", "lep_E")}
    table = features_of(lep)
    selected = (raw["lep_n"] >= 4) & (table[:, 0] > 25.0) & (raw["trigE"] | raw["trigM"])
    if kind == "data":
        weight = np.ones(len(selected))
    else:
        weight = (
            raw["mcWeight"].astype(np.float64)
            * raw["scaleFactor_PILEUP"].astype(np.float64)
            * (xsec_pb * LUMI_FB * 1e3 / sum_weights)
        )
    return {
        "eventNumber": raw["eventNumber"][selected],
        "weight": weight[selected],
        "m4l": table[selected, 1],
        "features": table[selected, 2:],
    }


def scores(model_dir: Path, event_number: np.ndarray, features: np.ndarray) -> np.ndarray:
    """The model's score of each event by its fold model (eventNumber % 2), with XGBoost itself."""
    import xgboost as xgb

    result = np.empty(len(event_number))
    for fold in range(2):
        booster = xgb.Booster()
        booster.load_model(str(model_dir / f"fold{fold}.json"))
        mask = event_number % 2 == fold
        result[mask] = booster.predict(xgb.DMatrix(features[mask]))
    return result


def asimov(s: float, b: float) -> float:
    """Asimov Z written out independently of the package."""
    return math.sqrt(2.0 * ((s + b) * math.log(1.0 + s / b) - s)) if s > 0 else 0.0
