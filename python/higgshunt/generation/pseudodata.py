"""Pseudo-data files: a Poisson-fluctuated draw of the summed expected yields of all simulated samples of a
skim, as ntuples in the data format.

What they are for, and what not: they exercise everything that reads data files (input checks, the skim's
data branch, event loops over data) with events of the right kind and number. They are made of simulated
events, the very events the models train on, and copy the spikes of heavy-weight simulated events, so they
are not independent pseudo-data for a statistical test: the bump hunt's configs draw their own pseudo-data
instead (`pseudo_data:` in the bump-hunt config, higgshunt/bumphunt/pseudo_data.py: Poisson draws per mass bin
from a smooth description of the simulated prediction, with and without the simulated signal).

How events are drawn: the number of events is N ~ Poisson(nu), nu = sum over all MC events of the skim of w =
mcWeight x XSection x lumi / SumWeights. Each of the N events is then picked from the pooled MC events with
probability w / nu (with replacement), i.e. unweighting. Simulated events are therefore re-used: a sample with
a large weight per event (few generated events for a large cross-section) contributes the same event several
times. The draws use their own random stream (`pseudodata.seed_offset`), independent of the generation. Files
look like the real data files: weights and scale factors as in the real release (no meaning), truth branches
empty, `channelNumber` = `runNumber`, unique `eventNumber`.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

import numpy as np

from higgshunt.errors import InputError
from higgshunt.generation import ntuple
from higgshunt.units import PB_PER_FB

log = logging.getLogger(__name__)


def read_columns(path: Path) -> ntuple.Columns:
    """All branches of a generated ntuple (of either layout, see `ntuple.read`)."""
    return ntuple.read(path)


def expected_weights(data: ntuple.Columns, lumi_fb: float) -> np.ndarray:
    """Per-event expected yield w = mcWeight x XSection x lumi / SumWeights (lumi in pb^-1)."""
    values = data.values
    sum_weights = values["SumWeights"].astype(np.float64)
    safe = np.where(sum_weights != 0, sum_weights, 1.0)
    w = (
        values["mcWeight"].astype(np.float64)
        * values["XSection"].astype(np.float64)
        * lumi_fb
        * PB_PER_FB
        / safe
    )
    return np.where(sum_weights != 0, w, 0.0)


def draw(
    mc_files: list[Path], lumi_fb: float, seed: list[int], run_number: int
) -> tuple[ntuple.Columns, float]:
    """Draw pseudo-data from the given MC files; returns the columns and the expected yield nu."""
    pooled = [read_columns(path) for path in mc_files]
    pooled = [p for p in pooled if len(p)]
    rng = np.random.default_rng(seed)
    if not pooled:
        return _as_data(ntuple.Columns.empty(), np.zeros(0, dtype=np.int64), run_number, rng), 0.0
    data = ntuple.Columns.concatenate(pooled)
    weights = expected_weights(data, lumi_fb)
    if np.any(weights < 0):
        raise InputError(f"negative event weights in {mc_files}: unweighting needs non-negative weights")
    nu = float(weights.sum())
    n = int(rng.poisson(nu))
    picked = (
        rng.choice(len(weights), size=n, replace=True, p=weights / nu) if n else np.zeros(0, dtype=np.int64)
    )
    log.info("pseudo-data %g fb^-1: expected %.2f events, drew %d", lumi_fb, nu, n)
    return _as_data(data, picked, run_number, rng), nu


def seed_for(seed: int, offset: int, skim: str, lumi_fb: float) -> list[int]:
    """Random-stream entropy of one pseudo-data file."""
    return [seed, offset, zlib.crc32(skim.encode()), zlib.crc32(f"{lumi_fb:g}".encode())]


def _as_data(
    data: ntuple.Columns, picked: np.ndarray, run_number: int, rng: np.random.Generator
) -> ntuple.Columns:
    chosen = data.take(picked)
    n = len(picked)
    values = chosen.values
    # Unique event numbers in a random order, like real data; no relation to the MC event numbers.
    values["eventNumber"] = (rng.permutation(n) + 1).astype(np.int32)
    values["runNumber"] = np.full(n, run_number, dtype=np.int32)
    values["channelNumber"] = np.full(n, run_number, dtype=np.int32)
    for name, value in ntuple.DATA_EVENT_CONSTANTS.items():
        values[name] = np.full(n, value, dtype=np.float32)
    empty = ntuple.empty_lists(n)
    for name in ntuple.TRUTH_BRANCHES:
        values[name] = empty
    return chosen
