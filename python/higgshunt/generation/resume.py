"""The generation's bookkeeping on top of the sample manifest (`higgshunt.artifacts.sample_manifest`).

Each entry carries a fingerprint of everything that determines its file's content (sample definition, detector
config, seed, batch size), so an interrupted or repeated run skips files that are already complete and
unchanged; each file is recorded in the manifest as soon as it is written.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from higgshunt.artifacts import sample_manifest
from higgshunt.artifacts.sample_manifest import FileEntry, SampleManifest
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)


class Recorder:
    """The manifest of an output directory while a run adds to it (an empty one when none exists yet, or
    with `force` when the existing one is unreadable: every file is then regenerated anyway)."""

    def __init__(self, directory: str | Path, provenance: dict[str, Any], *, force: bool = False) -> None:
        path = sample_manifest.path(directory)
        existing = SampleManifest(path)
        if path.exists():
            try:
                existing = sample_manifest.load(path)
            except sample_manifest.SampleManifestError as exc:
                if not force:
                    raise
                log.warning("%s; --force: starting a new manifest", exc)
        self.manifest = replace(existing, provenance=provenance)

    @property
    def directory(self) -> Path:
        return self.manifest.directory

    def is_complete(self, relative_path: str, fingerprint: str) -> bool:
        """True when the file exists and its entry was written with the same fingerprint."""
        entry = self.manifest.entry(relative_path)
        return bool(entry and entry.fingerprint == fingerprint and (self.directory / relative_path).exists())

    def record(self, entry: FileEntry) -> None:
        """Add or replace the entry of one file and save the manifest at once."""
        self.manifest = self.manifest.with_entry(entry)
        self.save()

    def save(self) -> None:
        """Write the manifest (atomically, read back before the rename)."""
        sample_manifest.save(self.manifest)


def fingerprint(*parts: Any) -> str:
    """Hash of everything that determines a file's content."""
    return config_hash(parts)
