"""What a set of samples' data are, in the words of `higgshunt.plotting.data_label`, so every plot of them is
labelled truthfully:

- open_data: collision data (e.g. ATLAS Open Data files named in the skim config or with `--input`);
- pseudo_data: the data sample's files were drawn by `higgshunt generate` (they are listed in the generated
  sample manifest the skim reads);
- simulation: no data sample at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from higgshunt.artifacts import sample_manifest
from higgshunt.eventloop.samples import Sample

KINDS = ("open_data", "pseudo_data", "simulation")


def of_samples(samples: Sequence[Sample], manifest_path: Path) -> str:
    """The data kind of `samples`: simulation without a data sample, pseudo_data when every data file is
    listed in the generated manifest at `manifest_path`, open_data otherwise."""
    files = [Path(f).resolve() for sample in samples if sample.is_data for f in sample.files]
    if not files:
        return "simulation"
    return "pseudo_data" if set(files) <= _generated_files(manifest_path) else "open_data"


def combined(kinds: Iterable[str]) -> str:
    """The kind of a file holding samples of these kinds: pseudo-data whenever any data are pseudo-data (a
    plot of it must not claim to show collision data), else open data when any are, else simulation."""
    present = set(kinds)
    for kind in ("pseudo_data", "open_data"):
        if kind in present:
            return kind
    return "simulation"


def _generated_files(path: Path) -> set[Path]:
    """Every file listed in a manifest written by `higgshunt generate` (empty when there is none)."""
    if not path.exists():
        return set()
    manifest = sample_manifest.load(path)
    if manifest.provenance is None:
        return set()  # written by hand, not by the generation
    return {manifest.file(entry) for entry in manifest.entries}
