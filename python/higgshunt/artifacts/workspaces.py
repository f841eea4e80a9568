"""`<bumphunt>/workspaces/`: every category as a HistFactory model in pyhf's JSON format, and the index that
says what they hold; written by the bump hunt, read by `higgshunt fit --workspace` (or pyhf, cabinetry).
`<fit>/workspace_fit.json`: the fit of one such workspace by pyhf and by RooFit.

```
workspaces/
├── workspaces.json          index: format_version, per channel its file, data kind, mass range, luminosity,
│                            spurious signal (or why no workspace was written), provenance
└── <category>.json          a pyhf workspace (pyhf's own format, version 1.0.0), one channel
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import check_version, load_versioned, read_json, save_versioned, write_json
from higgshunt.errors import ArtifactError

DIRECTORY = "workspaces"
INDEX_FILE = "workspaces.json"
FIT_FILE = "workspace_fit.json"
FORMAT_VERSION = 1
FIT_FORMAT_VERSION = 1
PYHF_VERSION = "1.0.0"
_WHAT = "a pyhf workspace (JSON)"
_INDEX = "the bump hunt's workspace index (workspaces.json)"
_FIT = "a higgshunt workspace fit (workspace_fit.json)"


class WorkspaceError(ArtifactError):
    """A workspace or its index is missing, unreadable, of another format version or not valid."""


@dataclass(frozen=True)
class Workspaces:
    """The workspaces of a bump hunt.

    Attributes:
        specs: category -> pyhf workspace (dict).
        channels: category -> what its workspace holds (data_kind, mass_range, lumi_fb, lumi_uncertainty,
            spurious_signal) or, for a category without a workspace, {"skipped": reason}.
        provenance: of the run that wrote them.
    """

    specs: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    provenance: dict[str, Any] = field(default_factory=dict)


def directory(output: str | Path) -> Path:
    return Path(output) / DIRECTORY


def save(output: str | Path, workspaces: Workspaces) -> Path:
    """Write `output`/workspaces/ (one pyhf workspace per category, then the index), each file atomically and
    read back; every workspace is checked against pyhf's schema first. Returns the folder."""
    folder = directory(output)
    folder.mkdir(parents=True, exist_ok=True)
    channels = dict(workspaces.channels)
    for category, spec in workspaces.specs.items():
        target = folder / f"{category}.json"
        _check_pyhf(target, spec)
        write_json(target, spec)
        channels[category] = {**channels.get(category, {}), "file": target.name}
    index = {"channels": channels, "provenance": workspaces.provenance}
    save_versioned(
        folder / INDEX_FILE, index, version=FORMAT_VERSION, schema="workspaces", error=WorkspaceError
    )
    return folder


def load_index(output: str | Path) -> dict[str, Any]:
    """The index of the workspaces of the bump-hunt folder `output`."""
    source = directory(output) / INDEX_FILE
    return load_versioned(
        source, version=FORMAT_VERSION, schema="workspaces", error=WorkspaceError, what=_INDEX
    )


def load(path: str | Path) -> dict[str, Any]:
    """The pyhf workspace in the file `path`, checked against pyhf's schema.

    Raises:
        WorkspaceError: no file, not JSON, another version of pyhf's format, or not a valid workspace.
    """
    source = Path(path)
    spec = read_json(source, WorkspaceError, _WHAT)
    check_version(source, spec, key="version", version=PYHF_VERSION, error=WorkspaceError, what=_WHAT)
    _check_pyhf(source, spec)
    return dict(spec)


def _check_pyhf(path: Path, spec: Any) -> None:
    import pyhf

    try:
        pyhf.Workspace(spec)
    except (pyhf.exceptions.InvalidSpecification, pyhf.exceptions.InvalidWorkspaceOperation) as exc:
        raise WorkspaceError(f"{path}: not {_WHAT}: {str(exc).splitlines()[0]}") from None


def save_fit(output: str | Path, document: dict[str, Any]) -> Path:
    """Write `output`/workspace_fit.json (the pyhf and RooFit results, inputs, provenance) atomically."""
    target = Path(output) / FIT_FILE
    return save_versioned(
        target, document, version=FIT_FORMAT_VERSION, schema="workspace_fit", error=WorkspaceError
    )


def load_fit(output: str | Path) -> dict[str, Any]:
    source = Path(output) / FIT_FILE
    return load_versioned(
        source, version=FIT_FORMAT_VERSION, schema="workspace_fit", error=WorkspaceError, what=_FIT
    )
