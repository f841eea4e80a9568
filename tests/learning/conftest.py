"""Fixtures of the learning tests; the tables they use are made in learning_tables.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from learning_tables import blobs


@pytest.fixture
def blob_frame() -> pd.DataFrame:
    return blobs()


@pytest.fixture
def blob_csv(tmp_path: Path) -> Path:
    path = tmp_path / "blobs.csv.gz"
    blobs().to_csv(path, index=False)
    return path
