"""What the bump hunt's data are, recorded in its ROOT file so the plots are labelled truthfully.

- open_data: collision data (e.g. ATLAS Open Data files named in the skim config or with `--input`);
- pseudo_data: the data sample's files were drawn by `higgshunt generate` (they are listed in the generated
  sample manifest the skim reads);
- simulation: no data sample at all; the "data" histograms are then the Asimov data set (the sum of the
  simulated signal and background), so fits give expected numbers.
"""

from __future__ import annotations

import logging
from pathlib import Path

from higgshunt.artifacts import sample_manifest
from higgshunt.eventloop.samples import Sample
from higgshunt.skim import SkimConfig

log = logging.getLogger(__name__)

KINDS = ("open_data", "pseudo_data", "simulation")
AUTO = "auto"


def detect(setting: str, skim: SkimConfig, samples: list[Sample]) -> str:
    """The data kind: `setting` when it names one of KINDS, else (auto) found from the data sample's files."""
    if setting != AUTO:
        return setting
    files = [Path(f).resolve() for sample in samples if sample.is_data for f in sample.files]
    if not files:
        return "simulation"
    return "pseudo_data" if set(files) <= _generated_files(skim.manifest_path()) else "open_data"


def _generated_files(path: Path) -> set[Path]:
    """Every file listed in a manifest written by `higgshunt generate` (empty when there is none)."""
    if not path.exists():
        return set()
    manifest = sample_manifest.load(path)
    if manifest.provenance is None:
        return set()  # written by hand, not by the generation
    return {manifest.file(entry) for entry in manifest.entries}
