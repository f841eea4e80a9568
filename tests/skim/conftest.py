"""Fixtures of the skim tests; the ntuple helpers they use are in skim_ntuples.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from skim_ntuples import MC_COLUMNS, MC_DSID, copy_ntuple


@pytest.fixture(scope="session")
def mc_file(real_4lep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real events dressed as simulation (channelNumber 345060) with the MC_COLUMNS weights."""
    target = tmp_path_factory.mktemp("mc") / "mc_345060.ggH125_ZZ4lep.4lep.root"
    scalars: dict[str, Callable[[int], Any]] = {**MC_COLUMNS, "channelNumber": lambda ev: MC_DSID}
    return copy_ntuple(real_4lep_file, target, scalars=scalars)
