"""Optional ROOT Snapshot of each sample's selected events (ids, weights, features) with LZ4, ZSTD or zlib."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from higgshunt.skim.config import SkimConfig

log = logging.getLogger(__name__)


def path_for(channel_dir: Path, sample: str) -> Path:
    """Where the snapshot of a sample goes: `<output>/<channel>/snapshots/<sample>.root`."""
    return Path(channel_dir) / "snapshots" / f"{sample}.root"


def book(node: Any, config: SkimConfig, columns: list[str], path: str) -> Any:
    """Book a lazy Snapshot of `columns` into `path` (a temporary name; the caller renames it when complete).

    With implicit multi-threading the entries are not in input order: join on (runNumber, eventNumber).
    """
    import ROOT

    settings = config.snapshot
    algorithms = {
        "lz4": ROOT.RCompressionSetting.EAlgorithm.kLZ4,
        "zstd": ROOT.RCompressionSetting.EAlgorithm.kZSTD,
        "zlib": ROOT.RCompressionSetting.EAlgorithm.kZLIB,
    }
    options = ROOT.RDF.RSnapshotOptions()
    options.fLazy = True
    options.fCompressionAlgorithm = algorithms[settings.algorithm]
    options.fCompressionLevel = settings.level
    return node.Snapshot(config.tree, path, columns, options)
