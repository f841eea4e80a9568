"""The mass scan: it finds an injected signal's mass, and its global significance (background-only toys)
stays below the largest local one and is written to fit.json with the scan points and the p0 plot."""

from __future__ import annotations

import numpy as np
import pytest
from fit_toys import toy_file
from higgshunt.artifacts import fit_result
from higgshunt.fit import FitOptions, run_fit
from scipy import stats


@pytest.mark.parametrize("injected", [120.0, 140.0])
def test_scan_finds_the_injected_mass(tmp_path, injected):
    spectrum = toy_file(tmp_path / "toy.root", seed=11, n_signal=120.0, mass=injected)
    options = FitOptions(
        hist=f"{spectrum}:mass",
        mass_range=(100.0, 160.0),
        width=2.0,
        scan=(110.0, 150.0),
        scan_step=2.0,
        toys=4,
        seed=5,
    )
    run_fit(options, tmp_path / "fit", plots=injected == 120.0)
    result = fit_result.load(tmp_path / "fit").result
    assert result.scan is not None and result.look_elsewhere is not None
    masses = [point["mass"] for point in result.scan]
    assert masses == pytest.approx(list(np.arange(110.0, 150.1, 2.0)))
    look = result.look_elsewhere
    assert abs(look["min_p0_mass"] - injected) <= 2.0
    best = min(result.scan, key=lambda point: point["p0_local"])
    assert best["p0_local"] == pytest.approx(stats.norm.sf(best["z_local"]))
    assert look["significance_global"] < look["z_local_max"]
    assert look["n_toys"] == 4 and "toys" in look["method"]
    # with 4 toys none exceeds a clear signal: p = 1 / (4 + 1)
    assert look["p0_global"] == pytest.approx(0.2)
    if injected == 120.0:
        assert (tmp_path / "fit" / "scan.png").is_file()
