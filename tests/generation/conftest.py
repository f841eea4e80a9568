"""Small generated samples shared by the generation tests (each generated once per test session)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import awkward as ak
import pytest
import uproot
from higgshunt.generation import generate, load_config
from higgshunt.generation.processes import ObjectFilter, Sample
from higgshunt.generation.sample import SampleSettings, generate_sample

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "samples.yaml"


@pytest.fixture(scope="session")
def samples_config() -> Any:
    return load_config(CONFIG)


@pytest.fixture(scope="session")
def small_4lep(tmp_path_factory: pytest.TempPathFactory, samples_config: Any) -> Path:
    """The 4lep skim: a few hundred filtered events per process (rare ones fewer), plus pseudo-data."""
    out = tmp_path_factory.mktemp("gen4lep")
    generate(
        samples_config,
        out,
        events=300,
        seed=11,
        progress=False,
        processes=["4lep/ggH125_ZZ4lep", "4lep/VBFH125_ZZ4lep", "4lep/llll", "4lep/ttbar_lep"],
        layout="2020",  # compared with the real 2020 file
    )
    generate(
        samples_config,
        out,
        events=2,
        processes=["4lep/Zee", "4lep/Zmumu"],
        seed=11,
        progress=False,
        layout="2020",
    )
    return out


@pytest.fixture(scope="session")
def run_sample(tmp_path_factory: pytest.TempPathFactory, samples_config: Any) -> Callable[..., ak.Array]:
    """Generate a configured process with other size, filter or skim through the real chain: its tree."""

    def run(
        key: str,
        events: int,
        *,
        min_leptons: int | None = None,
        min_photons: int | None = None,
        lepton_filter: ObjectFilter | None = None,
        without_fakes: bool = False,
        seed: int = 5,
    ) -> ak.Array:
        sample: Sample = next(s for s in samples_config.samples if s.key == key)
        sample = replace(sample, events=events, max_attempts=100 * events)
        if lepton_filter is not None:
            sample = replace(sample, lepton_filter=lepton_filter)
        if without_fakes:
            sample = replace(sample, fakes=None, min_fakes=0)
        skims = {k: dict(v) for k, v in samples_config.raw["skims"].items()}
        # Object counts of their own replace the skim's requirements, its trigger included.
        if min_leptons is not None or min_photons is not None:
            skims[sample.skim].pop("trigger", None)
        if min_leptons is not None:
            skims[sample.skim]["min_leptons"] = min_leptons
        if min_photons is not None:
            skims[sample.skim]["min_photons"] = min_photons
        settings = SampleSettings(seed, 250, 284500, 1000, samples_config.detector, skims)
        out = generate_sample(sample, settings, tmp_path_factory.mktemp("sample"))
        with uproot.open(out.path) as handle:
            return handle["mini"].arrays(library="ak")

    return run
