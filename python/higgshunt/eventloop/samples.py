"""Which files make up each sample: config entries, `--input NAME=PATH`, globs, URLs, built-in manifest."""

from __future__ import annotations

import glob
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.artifacts.sample_manifest import SampleManifest
from higgshunt.errors import ConfigError, InputError

log = logging.getLogger(__name__)

KINDS = ("signal", "background", "data")
LABELS = {"signal": 1, "background": 0, "data": -1}
_REMOTE = re.compile(r"^(root|roots|https?|xroot)://")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Sample:
    """One named sample: its files and the metadata that normalises its weights.

    Attributes:
        name: Python identifier, the HDF5 key.
        kind: signal, background or data.
        files: local paths or URLs, in a fixed order.
        dsid: dataset id, None to read it from the first file.
        xsec_pb, sum_weights: normalisation, None to take them per event from the tree's branches.
        lumi_fb: luminosity for this sample, None for the config's.
        release: the Open Data release of its files (`eventloop.releases`), None for the event model itself.
    """

    name: str
    kind: str
    files: tuple[str, ...]
    dsid: int | None = None
    xsec_pb: float | None = None
    sum_weights: float | None = None
    lumi_fb: float | None = None
    release: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> int:
        return LABELS[self.kind]

    @property
    def is_data(self) -> bool:
        return self.kind == "data"


def is_remote(path: str) -> bool:
    """True for root://, https:// and similar URLs, which are opened by ROOT, never globbed."""
    return bool(_REMOTE.match(path))


def parse_inputs(items: Sequence[str]) -> dict[str, list[str]]:
    """Parse `--input NAME=PATH` options; a name may be repeated to give several files."""
    inputs: dict[str, list[str]] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ConfigError(f"--input '{item}': expected NAME=PATH (e.g. data=/eos/.../data_A.4lep.root)")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ConfigError(f"--input '{item}': sample name '{name}' must be a Python identifier")
        inputs.setdefault(name, []).append(path)
    return inputs


def expand(patterns: Iterable[str], *, base: Path | None = None, where: str = "") -> tuple[str, ...]:
    """Expand globs (sorted, so runs are reproducible); URLs and plain paths pass through unchanged."""
    files: list[str] = []
    for pattern in patterns:
        if is_remote(pattern):
            files.append(pattern)
            continue
        path = Path(pattern).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        if _GLOB_CHARS & set(pattern):
            matches = sorted(glob.glob(str(path)))
            if not matches:
                raise InputError(f"{where}{pattern}: the pattern matches no file")
            files += matches
        else:
            files.append(str(path))
    return tuple(dict.fromkeys(files))


ManifestSamples = Mapping[str, Sample] | Callable[[], Mapping[str, Sample]]


def resolve(
    entries: Sequence[Mapping[str, Any]],
    *,
    source: str,
    inputs: Mapping[str, Sequence[str]] | None = None,
    only: Sequence[str] | None = None,
    manifest: ManifestSamples | None = None,
    manifest_path: str | Path | None = None,
) -> list[Sample]:
    """The samples of a run, in config order.

    Args:
        entries: the config's `samples` list (empty when the config has none).
        source: the config file, for messages and as the base of relative `files`.
        inputs: from `--input NAME=PATH`: they replace the files of a configured sample of that name, or add a
            sample (kind `data` if the name starts with "data", else `background`).
        only: `--samples`: run only these names.
        manifest: the samples of the sample manifest (see `samples_from_manifest`), or a function giving them
            (called only when a sample needs the manifest). With no `entries` the manifest supplies the
            configured samples: all of them when there are no `inputs`; with `inputs`, the inputs run and the
            manifest's samples stay known to `only`, so real data can run beside the built-in simulation.
        manifest_path: where the manifest is, for messages.
    """
    inputs = dict(inputs or {})
    entries = list(entries)
    from_manifest = not entries and (not inputs or any(name not in inputs for name in only or ()))
    needed = from_manifest or any("files" not in e and e["name"] not in inputs for e in entries)
    listed = dict((manifest() if callable(manifest) else manifest) or {}) if needed else {}
    if from_manifest:
        entries = [{"name": name} for name in listed]
    samples: list[Sample] = []
    for entry in entries:
        name = entry["name"]
        base = listed.get(name) if "files" not in entry else None
        if base is None and "files" not in entry and name not in inputs:
            raise ConfigError(
                f"{source}: samples: '{name}' has no files and is not in the manifest "
                f"{manifest_path}; manifest samples: {sorted(listed)}"
            )
        if name in inputs:
            files = expand(inputs.pop(name), where=f"--input {name}=")
        elif "files" in entry:
            files = expand(entry["files"], base=Path(source).resolve().parent, where=f"{source}: ")
        else:
            assert base is not None
            files = base.files
        samples.append(
            Sample(
                name=name,
                kind=entry.get("kind", base.kind if base else "background"),
                files=files,
                dsid=entry.get("dsid", base.dsid if base else None),
                xsec_pb=entry.get("xsec_pb", base.xsec_pb if base else None),
                sum_weights=entry.get("sum_weights", base.sum_weights if base else None),
                lumi_fb=entry.get("lumi_fb", base.lumi_fb if base else None),
            )
        )
    for name, paths in inputs.items():  # names not in the config: new samples
        kind = "data" if name.startswith("data") else "background"
        log.info("sample %s from --input is not in %s: treated as %s", name, source, kind)
        samples.append(Sample(name=name, kind=kind, files=expand(paths, where=f"--input {name}=")))
    if only:
        known = [sample.name for sample in samples]
        unknown = [name for name in only if name not in known]
        if unknown:
            raise ConfigError(f"--samples: unknown sample(s) {unknown}; known: {known}")
        samples = [sample for sample in samples if sample.name in only]
    if not samples:
        raise ConfigError(f"{source}: no samples to run")
    return samples


def samples_from_manifest(
    manifest: SampleManifest, skim: str | None, *, lumi_fb: float | None = None
) -> dict[str, Sample]:
    """Group the manifest's file entries of `skim` into samples (one per process; the data files form `data`).

    Pseudo-data may exist for several luminosities; with `lumi_fb` only the data of that luminosity is used.
    """
    grouped: dict[str, list[Any]] = {}
    for position, entry in enumerate(manifest.entries):
        where = f"{manifest.path}: samples[{position}] ({entry.path})"
        if skim is not None and entry.skim is None:
            raise InputError(f"{where}: missing key 'skim'")
        if skim is not None and entry.skim != skim:
            continue
        if entry.is_data and lumi_fb is not None and entry.lumi_fb not in (None, lumi_fb):
            continue
        if not entry.is_data and entry.process is None:
            raise InputError(f"{where}: missing key 'process'")
        name = "data" if entry.is_data else re.sub(r"\W", "_", str(entry.process))
        grouped.setdefault(name, []).append(entry)
    samples = {}
    for name, entries in grouped.items():
        first = entries[0]
        mc = not first.is_data
        samples[name] = Sample(
            name=name,
            kind=first.kind,
            files=tuple(str(manifest.file(entry)) for entry in entries),
            dsid=first.dsid if mc else 0,
            xsec_pb=_number(first.xsec_pb) if mc else None,
            sum_weights=sum(float(e.sum_weights) for e in entries)
            if mc and all(e.sum_weights is not None for e in entries)
            else None,
            lumi_fb=None if mc else _number(first.lumi_fb),
        )
    if not samples:
        raise InputError(f"{manifest.path}: no files of skim '{skim}' in the manifest")
    return samples


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)
