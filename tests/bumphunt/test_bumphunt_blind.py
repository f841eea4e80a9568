"""Blinding: the data in the mass window are hidden from the histograms, the summary and the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot
from bumphunt_inputs import MASS_EDGES, WINDOW

pytestmark = pytest.mark.slow


def test_blinded_run_hides_the_window(make_config: Any, tmp_path: Path, hunt: Any) -> None:
    from higgshunt import bumphunt

    config = bumphunt.load(make_config(tmp_path / "blind", blind=True))
    assert not bumphunt.load(make_config(tmp_path / "unblind", blind=True), blind=False).blind
    result = bumphunt.run(config, plots=False, progress=False)
    inside = np.r_[False, (MASS_EDGES[:-1] >= WINDOW[0]) & (MASS_EDGES[1:] <= WINDOW[1]), False]
    with uproot.open(result.root_file) as blinded, uproot.open(hunt.root_file) as open_:
        for category in ("cutbased", "ml"):
            data, reference = blinded[f"{category}/data"], open_[f"{category}/data"]
            assert reference.values(flow=True)[inside].sum() > 0  # something to hide
            assert np.all(data.values(flow=True)[inside] == 0)
            assert np.all(data.variances(flow=True)[inside] == 0)
            np.testing.assert_allclose(data.values(flow=True)[~inside], reference.values(flow=True)[~inside])
            assert "blinded" in data.member("fTitle")
    summary = result.summary
    assert summary["blinded"] == list(WINDOW)
    for category in summary["categories"].values():
        assert category["yields"]["data"]["window_sum_w"] is None
        assert "fit" not in category
    assert "BLINDED" in bumphunt.format_table(summary).splitlines()[0]
