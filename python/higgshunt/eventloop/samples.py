"""Which files make up each sample: config entries, `--input NAME=PATH`, globs, URLs, built-in manifest."""

from __future__ import annotations

import glob
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt import resources
from higgshunt.errors import ConfigError, InputError
from higgshunt.skim.config import SkimConfig

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
    """

    name: str
    kind: str
    files: tuple[str, ...]
    dsid: int | None = None
    xsec_pb: float | None = None
    sum_weights: float | None = None
    lumi_fb: float | None = None
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


def resolve(
    config: SkimConfig,
    *,
    inputs: Mapping[str, Sequence[str]] | None = None,
    only: Sequence[str] | None = None,
) -> list[Sample]:
    """The samples of a run, in config order.

    `inputs` (from `--input NAME=PATH`) replace the files of a configured sample of that name, or add a sample
    (kind `data` if the name starts with "data", else `background`). With no inputs and no files in the
    config, the built-in manifest of the config's skim supplies the files and metadata. `only` restricts
    the run to those names.
    """
    inputs = dict(inputs or {})
    entries = list(config.raw.get("samples", []))
    manifest: dict[str, Sample] | None = None
    needs_manifest = (not entries and not inputs) or any(
        "files" not in e and e["name"] not in inputs for e in entries
    )
    if needs_manifest:
        manifest = load_manifest(config)
        if not entries:
            entries = [{"name": name} for name in manifest]
    samples: list[Sample] = []
    for entry in entries:
        name = entry["name"]
        base = (
            _from_manifest(manifest, name, config) if manifest is not None and "files" not in entry else None
        )
        if name in inputs:
            files = expand(inputs.pop(name), where=f"--input {name}=")
        elif "files" in entry:
            files = expand(
                entry["files"], base=Path(config.source).resolve().parent, where=f"{config.source}: "
            )
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
        log.info("sample %s from --input is not in %s: treated as %s", name, config.source, kind)
        samples.append(Sample(name=name, kind=kind, files=expand(paths, where=f"--input {name}=")))
    if only:
        known = [sample.name for sample in samples]
        unknown = [name for name in only if name not in known]
        if unknown:
            raise ConfigError(f"--samples: unknown sample(s) {unknown}; known: {known}")
        samples = [sample for sample in samples if sample.name in only]
    if not samples:
        raise ConfigError(f"{config.source}: no samples to run")
    return samples


def load_manifest(config: SkimConfig) -> dict[str, Sample]:
    """Samples of the config's skim in the built-in manifest (generated first if it is missing)."""
    path = config.manifest_path()
    if not path.exists():
        generate_builtin(config)
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the sample manifest ({exc})") from exc
    return samples_from_manifest(document, path, config.raw.get("skim"), lumi_fb=config.lumi_fb)


def samples_from_manifest(
    document: Any, path: Path, skim: str | None, *, lumi_fb: float | None = None
) -> dict[str, Sample]:
    """Group the manifest's per-file entries into samples (one per process; the data files form `data`).

    Pseudo-data may exist for several luminosities; with `lumi_fb` only the data of that luminosity is used.
    """
    entries = document.get("files", document.get("samples")) if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected a list of file entries (or a 'files' list)")
    grouped: dict[str, dict[str, Any]] = {}
    for position, entry in enumerate(entries):
        try:
            if skim is not None and entry["skim"] != skim:
                continue
            kind = entry["kind"]
            if kind == "data" and lumi_fb is not None and entry.get("lumi_fb") not in (None, lumi_fb):
                continue
            if kind not in KINDS:
                raise InputError(f"{path}: files[{position}].kind: '{kind}' is not one of {KINDS}")
            name = "data" if kind == "data" else re.sub(r"\W", "_", str(entry["process"]))
            group = grouped.setdefault(name, {"kind": kind, "files": [], "entries": []})
            group["files"].append(str((path.parent / entry["path"]).resolve()))
            group["entries"].append(entry)
        except KeyError as exc:
            raise InputError(f"{path}: files[{position}]: missing key {exc}") from exc
    samples = {}
    for name, group in grouped.items():
        first = group["entries"][0]
        mc = group["kind"] != "data"
        samples[name] = Sample(
            name=name,
            kind=group["kind"],
            files=tuple(group["files"]),
            dsid=int(first["dsid"]) if mc and first.get("dsid") is not None else (None if mc else 0),
            xsec_pb=float(first["xsec_pb"]) if mc and first.get("xsec_pb") is not None else None,
            sum_weights=sum(float(e["sum_weights"]) for e in group["entries"])
            if mc and all(e.get("sum_weights") is not None for e in group["entries"])
            else None,
            lumi_fb=float(first["lumi_fb"]) if not mc and first.get("lumi_fb") is not None else None,
        )
    if not samples:
        raise InputError(f"{path}: no files of skim '{skim}' in the manifest")
    return samples


GENERATION_CONFIG = resources.shipped_config("samples")


def generate_builtin(config: SkimConfig) -> None:
    """Generate the built-in samples of the config's skim and their manifest (`higgshunt generate`)."""
    path = config.manifest_path()
    skim = config.raw.get("skim")
    if skim is None:
        raise InputError(
            f"{path}: no sample manifest, and {config.source} names no built-in skim to generate"
        )
    from higgshunt import generation

    settings = generation.load_config(GENERATION_CONFIG)
    keys = [sample.key for sample in settings.samples if sample.skim == skim]
    log.info("built-in samples missing (%s): generating the %d samples of skim %s", path, len(keys), skim)
    generation.generate(settings, output=path.parent, processes=keys)


def _from_manifest(manifest: dict[str, Sample], name: str, config: SkimConfig) -> Sample:
    if name not in manifest:
        raise ConfigError(
            f"{config.source}: samples: '{name}' has no files and is not in the manifest "
            f"{config.manifest_path()}; manifest samples: {sorted(manifest)}"
        )
    return manifest[name]
