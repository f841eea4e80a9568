"""The samples to generate: one `Sample` per (skim, process) entry of configs/samples.yaml.

A sample knows its Pythia settings, its generator-level filter, its dataset id and the published cross-section
it is compared with. File names follow the ATLAS Open Data 2020 release:
`<skim>/MC/mc_<dsid>.<name>.<skim>.root`.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt.errors import ConfigError

log = logging.getLogger(__name__)

SKIMS: tuple[str, ...] = ("4lep", "GamGam", "3lep")
# Pythia accepts seeds in [0, 900 000 000]; sample seeds are folded into that range.
_MAX_PYTHIA_SEED = 900_000_000


@dataclass(frozen=True)
class ObjectFilter:
    """At least `min_count` final-state objects of one kind with pT and |eta| inside the given range."""

    min_count: int
    pt_min_gev: float
    abs_eta_max: float


@dataclass(frozen=True)
class Sample:
    """One simulated sample: a process written into one skim.

    Attributes:
        name: process name as in the release (`ggH125_ZZ4lep`).
        dsid: dataset id written to `channelNumber`.
        skim: `4lep`, `GamGam` or `3lep`; decides the reconstruction-level selection and the folder.
        kind: `signal` or `background`.
        events: number of events that pass the generator filter and go through the detector response.
        max_attempts: upper bound of generated events for the filter loop (rare filters stop there).
        pythia: Pythia settings (common ones first).
        lepton_filter, photon_filter: generator-level filters (None = no requirement).
        k_factor: higher-order correction applied to Pythia's leading-order cross-section.
        reference_xsec_pb: published sigma x BR (before the filter) it is compared with, or None.
        reference_source: key of the reference in docs/samples.md.
        fakes: `photons` or `leptons`: the objects the skim still needs are made from jets with parametrised
            fake probabilities as event weights (higgshunt.generation.fakes); None: only simulated objects.
        min_fakes: fakes every event carries even when its real objects are enough for the skim.
    """

    name: str
    dsid: int
    skim: str
    kind: str
    events: int
    max_attempts: int
    pythia: tuple[str, ...]
    lepton_filter: ObjectFilter | None = None
    photon_filter: ObjectFilter | None = None
    k_factor: float = 1.0
    reference_xsec_pb: float | None = None
    reference_source: str = "none"
    fakes: str | None = None
    min_fakes: int = 0

    @property
    def key(self) -> str:
        """Unique name of the sample inside a run (a process can appear in several skims)."""
        return f"{self.skim}/{self.name}"

    @property
    def relative_path(self) -> Path:
        """Path of the ntuple relative to the output directory, as in the release."""
        return Path(self.skim) / "MC" / f"mc_{self.dsid}.{self.name}.{self.skim}.root"

    def pythia_seed(self, seed: int) -> int:
        """A seed for this sample derived from the run seed; stable across runs and platforms."""
        return (seed * 1_000_003 + zlib.crc32(self.key.encode())) % _MAX_PYTHIA_SEED + 1

    def detector_seed(self, seed: int) -> list[int]:
        """Entropy for the detector's numpy Generator (independent of Pythia's stream)."""
        return [seed, self.dsid, zlib.crc32(self.key.encode()), 1]


def data_relative_path(skim: str, lumi_fb: float) -> Path:
    """Path of a pseudo-data file relative to the output directory (`4lep/Data/data_pseudo10fb.4lep.root`)."""
    return Path(skim) / "Data" / f"data_{data_tag(lumi_fb)}.{skim}.root"


def data_tag(lumi_fb: float) -> str:
    """`pseudo10fb` for 10 fb^-1, `pseudo36.1fb` for 36.1 fb^-1."""
    return f"pseudo{lumi_fb:g}fb"


def build_samples(config: dict[str, Any], *, source: str = "<config>") -> list[Sample]:
    """Turn the validated `processes` list of a samples config into `Sample`s (schema checks done before)."""
    common = tuple(config.get("pythia_common", []))
    samples: list[Sample] = []
    seen: set[str] = set()
    for index, entry in enumerate(config["processes"]):
        filters = entry.get("filter", {})
        reference = entry.get("reference", {})
        sample = Sample(
            name=entry["name"],
            dsid=int(entry["dsid"]),
            skim=entry["skim"],
            kind=entry["kind"],
            events=int(entry["events"]),
            max_attempts=int(entry.get("max_attempts", 50 * int(entry["events"]))),
            pythia=common + tuple(_flatten(entry["pythia"])),
            lepton_filter=_object_filter(filters.get("leptons")),
            photon_filter=_object_filter(filters.get("photons")),
            k_factor=float(entry.get("k_factor", 1.0)),
            reference_xsec_pb=reference.get("xsec_pb"),
            reference_source=reference.get("source", "none"),
            fakes=entry.get("fakes"),
            min_fakes=int(entry.get("min_fakes", 0)),
        )
        if sample.key in seen:
            raise ConfigError(f"{source}: processes[{index}]: sample '{sample.key}' is defined twice")
        if sample.min_fakes and sample.fakes is None:
            raise ConfigError(
                f"{source}: processes[{index}].min_fakes: needs `fakes: photons` or `fakes: leptons`"
            )
        if sample.max_attempts < sample.events:
            raise ConfigError(
                f"{source}: processes[{index}].max_attempts: {sample.max_attempts} is smaller than events "
                f"({sample.events})"
            )
        seen.add(sample.key)
        samples.append(sample)
    return samples


def select(samples: list[Sample], names: list[str] | None, *, source: str = "<command line>") -> list[Sample]:
    """Samples whose name (`llll`) or key (`4lep/llll`) is in `names`; all of them when `names` is empty."""
    if not names:
        return samples
    known = {s.name for s in samples} | {s.key for s in samples}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"{source}: unknown process {unknown}; known: {sorted({s.name for s in samples})}")
    return [s for s in samples if s.name in names or s.key in names]


def _object_filter(entry: dict[str, Any] | None) -> ObjectFilter | None:
    if entry is None:
        return None
    return ObjectFilter(int(entry["min_count"]), float(entry["pt_min_gev"]), float(entry["abs_eta_max"]))


def _flatten(items: list[Any]) -> list[str]:
    # YAML anchors put shared decay tables into the list as nested lists.
    flat: list[str] = []
    for item in items:
        flat.extend(_flatten(item) if isinstance(item, list) else [str(item)])
    return flat
