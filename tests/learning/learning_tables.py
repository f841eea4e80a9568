"""Tiny generated tables for the learning tests (Gaussian blobs with a mass column, a 4-lepton-like table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[3] / "shared"
COMPETITOR = SHARED / "models" / "labcourse_baseline"
OPEN_DATA = SHARED / "data" / "atlas_opendata_13tev" / "data_A.4lep.root"
LEPTON_FEATURES = [f"lep{i}_{q}" for q in ("pt", "e", "charge", "pdgId", "phi", "eta") for i in range(1, 5)]


def blobs(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Signal/background Gaussian blobs in 3 features; background mass correlated with x1, signal peaked at
    125."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int8)
    x1 = rng.normal(1.2 * y, 1.0)
    x2 = rng.normal(-1.0 * y, 1.0)
    x3 = rng.normal(0.0, 1.0, n)
    mass = np.where(y == 1, rng.normal(125.0, 3.0, n), 100.0 + rng.exponential(30.0, n) + 10.0 * x1)
    return pd.DataFrame(
        {
            "runNumber": np.full(n, 1, dtype=np.int64),
            "eventNumber": np.arange(n, dtype=np.int64),
            "fold": (np.arange(n) % 3).astype(np.int32),
            "x1": x1,
            "x2": x2,
            "x3": x3,
            "mass": mass,
            "label": y,
            "weight": np.where(y == 1, 0.02, 0.1),
        }
    )


def xgboost_config(data_path: Path, output: Path, n_trees: int, **data: Any) -> dict[str, Any]:
    """A merged 2-fold XGBoost training config on the blobs (weight and mass columns), without plots;
    `data` updates the data section."""
    from higgshunt.learning import settings

    return settings.merged(
        {
            "data": {
                "path": str(data_path),
                "features": ["x1", "x2", "x3"],
                "weight": "weight",
                "mass": "mass",
            }
            | data,
            "model": "bdt",
            "backend": "xgboost",
            "output": str(output),
            "plots": False,
            "progress": False,
            "training": {"folds": 2, "seed": 3},
            "bdt": {"n_trees": n_trees},
        }
    )


def open_data_leptons() -> pd.DataFrame:
    """The competitor's 24 inputs (GeV, leptons by decreasing pT) of the real ATLAS Open Data file's
    events."""
    import uproot

    with uproot.open(OPEN_DATA) as handle:
        arrays = handle["mini"].arrays(
            ["eventNumber", "lep_pt", "lep_E", "lep_charge", "lep_type", "lep_phi", "lep_eta"], library="np"
        )
    rows = []
    for i in range(len(arrays["eventNumber"])):
        order = np.argsort(-arrays["lep_pt"][i])[:4]
        if len(order) < 4:
            continue
        row = {"eventNumber": int(arrays["eventNumber"][i])}
        for q, branch, scale in (
            ("pt", "lep_pt", 1e-3),
            ("e", "lep_E", 1e-3),
            ("charge", "lep_charge", 1),
            ("pdgId", "lep_type", 1),
            ("phi", "lep_phi", 1),
            ("eta", "lep_eta", 1),
        ):
            for slot, index in enumerate(order, start=1):
                row[f"lep{slot}_{q}"] = float(arrays[branch][i][index]) * scale
        rows.append(row)
    return pd.DataFrame(rows)
