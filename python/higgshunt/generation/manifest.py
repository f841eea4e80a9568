"""The sample manifest `samples.json` beside the generated files: one entry per file, plus provenance.

Entries are keyed by the file's path relative to the manifest. Each entry carries a fingerprint of everything
that determines the file's content (sample definition, detector config, seed, batch size), so an interrupted
or repeated run skips samples that are already complete and unchanged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.errors import InputError
from higgshunt.outputs import atomic_output
from higgshunt.provenance import config_hash

log = logging.getLogger(__name__)

MANIFEST_NAME = "samples.json"
FORMAT_VERSION = 1


@dataclass
class Manifest:
    """Entries by relative path; provenance of the last run that wrote it."""

    directory: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.directory / MANIFEST_NAME

    def is_complete(self, relative_path: str, fingerprint: str) -> bool:
        """True when the file exists and its entry was written with the same fingerprint."""
        entry = self.entries.get(relative_path)
        return bool(
            entry and entry.get("fingerprint") == fingerprint and (self.directory / relative_path).exists()
        )

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace the entry of one file and save the manifest at once."""
        self.entries[entry["path"]] = entry
        self.save()

    def save(self) -> None:
        """Write atomically (entries sorted, so equal content gives equal files)."""
        document = {
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance,
            "samples": [self.entries[key] for key in sorted(self.entries)],
        }
        with atomic_output(self.path) as tmp:
            tmp.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def load(directory: str | Path) -> Manifest:
    """The manifest of an output directory (an empty one when none exists yet)."""
    directory = Path(directory)
    path = directory / MANIFEST_NAME
    if not path.exists():
        return Manifest(directory)
    try:
        document = json.loads(path.read_text())
        entries = {entry["path"]: entry for entry in document["samples"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a valid sample manifest ({exc}); delete it or use --force") from exc
    return Manifest(directory, entries, document.get("provenance", {}))


def fingerprint(*parts: Any) -> str:
    """Hash of everything that determines a file's content."""
    return config_hash(parts)
