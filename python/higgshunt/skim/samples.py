"""The samples of a skim config: its entries, `--input`, and the built-in samples of its sample manifest,
generated first when the manifest is missing."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from higgshunt import resources
from higgshunt.artifacts import sample_manifest
from higgshunt.errors import InputError
from higgshunt.eventloop import samples
from higgshunt.eventloop.samples import Sample
from higgshunt.skim.config import SkimConfig

log = logging.getLogger(__name__)

GENERATION_CONFIG = resources.shipped_config("samples")


def resolve_samples(
    config: SkimConfig,
    *,
    inputs: Mapping[str, Sequence[str]] | None = None,
    only: Sequence[str] | None = None,
) -> list[Sample]:
    """The samples a run of `config` processes, in config order (see `eventloop.samples.resolve`).

    `inputs` (from `--input NAME=PATH`) replace or add samples; `only` (from `--samples`) restricts the run.
    The manifest is read (and the built-in samples generated) only when a sample needs it.
    """
    return samples.resolve(
        config.samples,
        source=config.source,
        inputs=inputs,
        only=only,
        manifest=lambda: manifest_samples(config),
        manifest_path=config.manifest_path(),
    )


def manifest_samples(config: SkimConfig) -> dict[str, Sample]:
    """Samples of the config's skim in the built-in manifest (generated first if it is missing)."""
    path = config.manifest_path()
    if not path.exists():
        generate_builtin(config)
    return samples.samples_from_manifest(sample_manifest.load(path), config.skim, lumi_fb=config.lumi_fb)


def generate_builtin(config: SkimConfig) -> None:
    """Generate the built-in samples of the config's skim and their manifest (`higgshunt generate`)."""
    path = config.manifest_path()
    skim = config.skim
    if skim is None:
        raise InputError(
            f"{path}: no sample manifest, and {config.source} names no built-in skim to generate"
        )
    from higgshunt import generation

    settings = generation.load_config(GENERATION_CONFIG)
    keys = [sample.key for sample in settings.samples if sample.skim == skim]
    log.info("built-in samples missing (%s): generating the %d samples of skim %s", path, len(keys), skim)
    generation.generate(settings, output=path.parent, processes=keys)
