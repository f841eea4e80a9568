"""Generate one sample: Pythia batches -> generator filter -> detector response -> skim -> ntuple file.

Normalisation follows the release: `XSection` (pb) = Pythia's cross-section estimate x k-factor x
generator-filter efficiency (forced resonance decays are already inside Pythia's estimate), and `SumWeights` =
the sum of `mcWeight` over all events that passed the generator filter, including those the skim then removes.
So sum over a file of mcWeight * XSection * lumi / SumWeights = XSection * lumi * (skim efficiency), and the
same sum before the skim is exactly XSection * lumi. In samples with jets faking photons or leptons
(higgshunt.generation.fakes), mcWeight also carries the fake probability, SumWeights does not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.generation import detector, fakes, ntuple, ntuple_2025
from higgshunt.generation.processes import Sample
from higgshunt.generation.pythia_events import PythiaSource, TruthBatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampleSettings:
    """Run-wide settings one sample needs (picklable, so samples can run in worker processes)."""

    seed: int
    batch_size: int
    run_number: int
    detector_batch_size: int
    detector: dict[str, Any]
    skims: dict[str, dict[str, Any]]
    layout: str = "2020"  # of the written ntuples (`ntuple.LAYOUTS`)


@dataclass
class SampleOutput:
    """What one generated sample produced: the manifest entry's numbers and the written path."""

    path: Path
    sigma_pythia_pb: float
    xsec_pb: float
    filter_efficiency: float
    sum_weights: float
    n_generated: int
    n_filtered: int
    n_events: int


def generate_sample(
    sample: Sample,
    settings: SampleSettings,
    output_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> SampleOutput:
    """Generate `sample.events` filtered events, simulate, skim and write the file (atomically)."""
    source = PythiaSource(sample, settings.seed)
    rng = np.random.default_rng(sample.detector_seed(settings.seed))
    skim = settings.skims[sample.skim]
    parts: list[ntuple.Columns] = []
    weights: list[np.ndarray] = []
    # Filtered events wait here until a full batch is collected: the detector response has a small fixed cost
    # per call (array set-up, fastjet), which rare filters (a few events per generated batch) would pay often.
    pending: list[TruthBatch] = []
    pending_numbers: list[np.ndarray] = []

    def flush() -> None:
        if pending:
            parts.append(
                _reconstruct(
                    TruthBatch.concatenate(pending),
                    np.concatenate(pending_numbers),
                    sample,
                    settings,
                    skim,
                    rng,
                )
            )
            pending.clear()
            pending_numbers.clear()

    generated = filtered = 0
    while filtered < sample.events and generated < sample.max_attempts:
        size = min(settings.batch_size, sample.max_attempts - generated)
        batch = source.reduce(source.raw_batch(size))
        keep = min(len(batch), sample.events - filtered)
        # Stop exactly after the last needed event, so the filter efficiency counts only what was used.
        used = batch.generated if keep == len(batch) else int(batch.positions[keep - 1]) + 1
        if keep:
            pending.append(batch.head(keep))
            pending_numbers.append(generated + batch.positions[:keep] + 1)
            weights.append(batch.weights[:keep])
        generated += used
        filtered += keep
        if sum(len(b) for b in pending) >= settings.detector_batch_size:
            flush()
        if progress is not None:
            progress(keep)
    flush()
    if filtered < sample.events:
        log.warning(
            "%s: only %d of %d events passed the generator filter in %d attempts (max_attempts)",
            sample.key,
            filtered,
            sample.events,
            generated,
        )
    all_weights = np.concatenate(weights) if weights else np.zeros(0)
    sigma = source.sigma_pb()
    efficiency = filtered / generated if generated else 0.0
    xsec = sigma * sample.k_factor * efficiency
    sum_weights = float(all_weights.sum())
    data = ntuple.Columns.concatenate(parts) if parts else ntuple.Columns.empty()
    data.values["XSection"] = np.full(len(data), xsec, dtype=np.float32)
    data.values["SumWeights"] = np.full(len(data), sum_weights, dtype=np.float32)
    path = output_dir / sample.relative_path
    normalisation = ntuple_2025.Normalisation(
        sigma, efficiency, sample.k_factor, sum_weights, float(np.sum(all_weights**2)), float(filtered)
    )
    ntuple.write(path, data, layout=settings.layout, normalisation=normalisation)
    log.info(
        "%s: %d generated, %d filtered, %d written; XSection %.4g pb",
        sample.key,
        generated,
        filtered,
        len(data),
        xsec,
    )
    return SampleOutput(path, sigma, xsec, efficiency, sum_weights, generated, filtered, len(data))


def _reconstruct(
    batch: TruthBatch,
    event_numbers: np.ndarray,
    sample: Sample,
    settings: SampleSettings,
    skim: dict[str, Any],
    rng: np.random.Generator,
) -> ntuple.Columns:
    reco = detector.simulate(batch, fakes.detector_config(settings.detector, sample.fakes), rng)
    fake_weight = np.ones(len(batch))
    if sample.fakes is not None:
        needed = skim["min_photons"] if sample.fakes == "photons" else skim["min_leptons"]
        reco, fake_weight = fakes.promote(
            reco, sample.fakes, needed, settings.detector, rng, min_fakes=sample.min_fakes
        )
    passed = ak.to_numpy(
        (ak.num(reco["leptons"]) >= skim["min_leptons"]) & (ak.num(reco["photons"]) >= skim["min_photons"])
    ) & (fake_weight > 0)
    # The release's skims keep only triggered events (every event of the real 2020 4lep file has trigE or
    # trigM).
    trigger = skim.get("trigger")
    if trigger is not None:
        objects = reco["leptons"] if trigger == "lepton" else reco["photons"]
        passed &= ak.to_numpy(ak.any(objects.trig_matched, axis=1))
    jets = reco["jets"]
    selected = {
        "leptons": reco["leptons"][passed],
        "photons": reco["photons"][passed],
        "jets": type(jets)(*(getattr(jets, f)[passed] for f in jets.__dataclass_fields__)),
        "met_et": reco["met_et"][passed],
        "met_phi": reco["met_phi"][passed],
        "eventNumber": event_numbers[passed],
        "runNumber": np.full(int(passed.sum()), settings.run_number),
        "channelNumber": np.full(int(passed.sum()), sample.dsid),
        # The fake probability is part of the event weight; SumWeights stays the sum of generator weights.
        "mcWeight": (batch.weights * fake_weight)[passed],
    }
    constants = {
        f"scaleFactor_{sf}": 1.0
        for sf in ("PILEUP", "ELE", "MUON", "PHOTON", "TAU", "BTAG", "LepTRIGGER", "PhotonTRIGGER")
    }
    constants.update({"XSection": 0.0, "SumWeights": 0.0})  # filled once the sample is complete
    return ntuple.columns(selected, constants)
