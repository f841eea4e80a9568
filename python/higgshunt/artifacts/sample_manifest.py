"""The sample manifest `samples.json`: which ntuple files make up the samples, with their normalisation.

`higgshunt generate` writes it beside the generated files (one entry per file, plus the run's provenance);
the skim groups its entries into samples and the bump hunt asks whether its data files were generated.
Entries are keyed by the file's path relative to the manifest and kept sorted by it, so equal content gives
equal files. A manifest without `format_version` (written by hand, as in the tests) is read as version 1,
whose layout it has.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from higgshunt.artifacts import documents
from higgshunt.errors import ArtifactError

FILE_NAME = "samples.json"
FORMAT_VERSION = 1
KINDS = ("signal", "background", "data")
_SCHEMA = "sample_manifest"
_WHAT = "a sample manifest"
# Keys only entries of simulated files carry, and keys only pseudo-data entries carry.
_SIMULATION_KEYS = ("sigma_pythia_pb", "k_factor", "fakes", "n_generated", "n_filtered", "pythia_seed")
_DATA_KEYS = ("lumi_fb", "expected_events")


class SampleManifestError(ArtifactError):
    """A sample manifest is unreadable, of another format version or not of the manifest's layout."""


@dataclass(frozen=True)
class FileEntry:
    """One file of the manifest.

    Attributes:
        path: the file, relative to the manifest.
        kind: signal, background or data.
        skim, process: the skim (e.g. 4lep) and process (the sample name) it belongs to.
        dsid, xsec_pb, sum_weights: dataset id and normalisation (XSection in pb, sum of mcWeight).
        fingerprint: hash of everything that determines the file's content (for resuming a generation).
        sigma_pythia_pb ... pythia_seed: generation details of simulated files.
        lumi_fb, expected_events: luminosity and Poisson mean of pseudo-data files.
    """

    path: str
    kind: str
    skim: str | None = None
    process: str | None = None
    dsid: int | None = None
    xsec_pb: float | None = None
    sum_weights: float | None = None
    filter_efficiency: float | None = None
    n_events: int | None = None
    seed: int | None = None
    fingerprint: str | None = None
    sigma_pythia_pb: float | None = None
    k_factor: float | None = None
    fakes: str | None = None
    n_generated: int | None = None
    n_filtered: int | None = None
    pythia_seed: int | None = None
    lumi_fb: float | None = None
    expected_events: float | None = None

    @property
    def is_data(self) -> bool:
        return self.kind == "data"

    def to_dict(self) -> dict[str, Any]:
        """The entry as written: every key of its kind (simulation or pseudo-data), null where unknown."""
        skipped = _SIMULATION_KEYS if self.is_data else _DATA_KEYS
        return {item.name: getattr(self, item.name) for item in fields(self) if item.name not in skipped}


@dataclass(frozen=True)
class SampleManifest:
    """The manifest at `path`: its file entries (sorted by path) and the provenance of the run that wrote it
    (None for a manifest not written by `higgshunt generate`)."""

    path: Path
    entries: tuple[FileEntry, ...] = ()
    provenance: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def entry(self, relative_path: str) -> FileEntry | None:
        """The entry of the file at `relative_path`, None when the manifest has none."""
        return next((entry for entry in self.entries if entry.path == relative_path), None)

    def file(self, entry: FileEntry) -> Path:
        """The absolute path of an entry's file."""
        return (self.directory / entry.path).resolve()

    def with_entry(self, entry: FileEntry) -> SampleManifest:
        """This manifest with `entry` added, or replacing the entry of the same file."""
        kept = [item for item in self.entries if item.path != entry.path]
        return replace(self, entries=tuple(sorted([*kept, entry], key=lambda item: item.path)))


def path(directory: str | Path) -> Path:
    """Where the manifest of an output directory lives."""
    return Path(directory) / FILE_NAME


def load(path: str | Path) -> SampleManifest:
    """Read, version-check and validate the manifest at `path`.

    Raises:
        SampleManifestError: missing, unreadable, of another format version, or not of the manifest's layout.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _parse(path, None, None)
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parse(path: Path, mtime_ns: int | None, size: int | None) -> SampleManifest:
    """The manifest as last written (keyed by its modification time and size): every stage of a command that
    needs it (sample resolution, the bump hunt's data kind) shares one parse."""
    document = documents.read_json(path, SampleManifestError, _WHAT)
    if isinstance(document, dict) and "format_version" not in document:
        document = {**document, "format_version": FORMAT_VERSION}
    documents.check_version(
        path, document, key="format_version", version=FORMAT_VERSION, error=SampleManifestError, what=_WHAT
    )
    documents.validate(document, _SCHEMA, path, SampleManifestError)
    entries = [FileEntry(**entry) for entry in document["samples"]]
    paths = [entry.path for entry in entries]
    repeated = sorted({item for item in paths if paths.count(item) > 1})
    if repeated:
        raise SampleManifestError(f"{path}: samples: files listed more than once: {repeated}")
    return SampleManifest(
        path, tuple(sorted(entries, key=lambda entry: entry.path)), document.get("provenance")
    )


def save(manifest: SampleManifest) -> None:
    """Write the manifest atomically and read it back before it replaces the old one.

    Raises:
        OutputError: the file cannot be written.
    """
    document = {
        "format_version": FORMAT_VERSION,
        "provenance": dict(manifest.provenance or {}),
        "samples": [entry.to_dict() for entry in manifest.entries],
    }
    documents.write_json(manifest.path, document)
