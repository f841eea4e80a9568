"""ROC curves in a ROOT file, in the layout `macros/plot_roc.C` reads (docs/plot_inputs.md).

Per model: a TGraph `roc_<model>` (x = signal efficiency, y = background efficiency, points in increasing
signal efficiency) and a TParameter<double> `auc_<model>`; one TNamed `provenance` (JSON) for the file.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from higgshunt import provenance
from higgshunt.errors import InputError
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

# Model names become ROOT object names: keep them to characters every ROOT tool accepts.
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")

Curve = tuple[ArrayLike, ArrayLike, float]  # background efficiency, signal efficiency, AUC


def write_roc_file(path: str | Path, curves: Mapping[str, Curve], *, config: Any = None) -> Path:
    """Write ROC curves to the ROOT file `path` (replaced atomically) and return the path.

    Args:
        path: the ROOT file to write.
        curves: model name -> (background efficiency, signal efficiency, AUC), the order in which
            `sklearn.metrics.roc_curve` returns (fpr, tpr, thresholds); efficiencies in [0, 1], of one
            length >= 2.
        config: recorded with the provenance (code and library versions) in the TNamed `provenance`.

    Raises:
        InputError: no curves, a model name ROOT cannot use, or arrays that are not efficiencies.
    """
    if not curves:
        raise InputError(f"{path}: no ROC curves to write")
    checked = {name: _checked(f"{path}: ROC curve '{name}'", name, *curve) for name, curve in curves.items()}
    import ROOT

    path = Path(path)
    with atomic_output(path) as tmp:
        handle = ROOT.TFile.Open(str(tmp), "RECREATE")
        if not handle or handle.IsZombie():
            raise InputError(f"{path}: cannot create the ROC file")
        try:
            for name, (eps_b, eps_s, auc) in checked.items():
                graph = ROOT.TGraph(len(eps_s), eps_s, eps_b)
                graph.SetNameTitle(f"roc_{name}", f"{name};signal efficiency;background efficiency")
                graph.Write()
                ROOT.TParameter["double"](f"auc_{name}", auc).Write()
            record = json.dumps(provenance.collect(config), sort_keys=True, default=str)
            ROOT.TNamed("provenance", record).Write()
        finally:
            handle.Close()
    log.info("wrote %d ROC curve(s) to %s", len(checked), path)
    return path


def _checked(
    where: str, name: str, eps_b: ArrayLike, eps_s: ArrayLike, auc: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """The curve as contiguous float64 arrays sorted by signal efficiency, after checking every value;
    `where` (file and curve) starts every error message."""
    if not _MODEL_NAME.match(name):
        raise InputError(f"ROC curve name '{name}': use letters, digits and _ . + - only")
    x = np.ascontiguousarray(eps_s, dtype=np.float64)
    y = np.ascontiguousarray(eps_b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise InputError(
            f"{where}: efficiencies must be two 1-d arrays of one length >= 2, got shapes "
            f"{y.shape} (background) and {x.shape} (signal)"
        )
    for label, values in (("signal", x), ("background", y)):
        if not np.all(np.isfinite(values)) or values.min() < 0.0 or values.max() > 1.0:
            raise InputError(f"{where}: {label} efficiencies must be finite and within [0, 1]")
    if not math.isfinite(auc) or not 0.0 <= auc <= 1.0:
        raise InputError(f"{where}: AUC {auc} is not within [0, 1]")
    order = np.lexsort((y, x))  # by signal, then background efficiency: sklearn's order, for any producer
    return y[order], x[order], float(auc)
