"""The samples of a skim config: its entries, `--input`, and the built-in samples of its sample manifest,
generated first when the manifest is missing; and how each sample's files are read (`read_as`: the release
schema and tree), which the skim and the bump hunt share."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from higgshunt import resources
from higgshunt.artifacts import sample_manifest
from higgshunt.errors import InputError
from higgshunt.eventloop import inputs, releases, samples
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


@dataclass(frozen=True)
class ReadAs:
    """How one sample's files are read.

    Attributes:
        sample: the sample, with `release` set when its schema maps its files onto the event model (the graph
            then applies the schema as its first step, `graph.select`).
        schema: the release schema of its files.
        tree: the TTree to read.
    """

    sample: Sample
    schema: releases.ReleaseSchema
    tree: str

    @property
    def branch_types(self) -> Mapping[str, str]:
        """The types the file checks expect: the event model's, or none where a schema maps the branches
        (ROOT checks the schema's columns when it defines them)."""
        return {} if self.schema.columns else inputs.ATLAS_BRANCH_TYPES


def read_as(config: SkimConfig, sample: Sample, forced: str | None = None) -> ReadAs:
    """The release schema of `sample` (`forced` by name, else from its first readable file) and its tree."""
    schema = _release_of(config, sample, forced)
    if not schema.columns:  # the event model itself, in the config's tree
        return ReadAs(sample, schema, config.tree)
    return ReadAs(replace(sample, release=schema.name), schema, schema.tree)


def _release_of(config: SkimConfig, sample: Sample, forced: str | None) -> releases.ReleaseSchema:
    """The forced schema, else the one of the sample's first readable file; files with the config's own
    tree are read as the event model (their branches are checked one by one afterwards)."""
    if forced is not None:
        return releases.by_name(forced)
    for path in sample.files:
        try:
            trees = releases.trees_of(path)
        except InputError:
            continue  # reported (or skipped) by the file checks
        for schema in releases.RELEASES.values():
            if schema.columns and schema.tree in trees and not schema.missing(trees[schema.tree]):
                return schema
        if config.tree in trees or not any(schema.tree in trees for schema in releases.RELEASES.values()):
            return releases.RELEASE_2020  # the file checks name the missing tree or branches
        return releases.detect(path, trees)  # a release's tree without its branches: lists what is missing
    return releases.RELEASE_2020
