"""`fit.background: auto`: per category the spurious-signal test on the simulated background chooses the fit's
background function; the choice and its spurious signal reach summary.json, the fits, the pseudo-data, the
workspaces and the table; with a scan and `look_elsewhere: upcrossings` every category reports a global Z."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from higgshunt.artifacts import workspaces
from higgshunt.fit import BACKGROUNDS


@pytest.mark.slow
def test_auto_background_with_upcrossings(make_config: Any, tmp_path: Path) -> None:
    from higgshunt import bumphunt

    fit = {
        "signal": "gauss",
        "background": "auto",
        "signal_mass": 125.0,
        "scan": [110.0, 140.0],
        "toys": 2,
        "look_elsewhere": "upcrossings",
    }
    config = bumphunt.load(make_config(tmp_path, fit=fit, pseudo_data={"seed": 3}))
    result = bumphunt.run(config, plots=False, progress=False)
    index = workspaces.load_index(result.output)
    table = bumphunt.format_table(result.summary)
    for name, category in result.summary["categories"].items():
        choice = category["background_function"]
        spurious = choice["spurious_signal"]
        assert choice["function"] in BACKGROUNDS
        if spurious is not None:
            tested = [f["background"] for f in spurious["functions"]]
            assert tested == list(BACKGROUNDS) and spurious["background"] == choice["function"]
            passing = [f["background"] for f in spurious["functions"] if f["passes"]]
            # the simplest passing function; when none passes, the least biased one, said so
            assert choice["function"] == (passing[0] if passing else choice["function"])
            assert spurious["passes"] == bool(passing)
            assert "2 Delta_MC" in spurious["criterion"]
            if "skipped" not in index["channels"][name]:
                assert index["channels"][name]["spurious_signal"] == pytest.approx(spurious["events"])
        fit = category["fit"]
        if "error" in fit:
            continue
        assert fit["options"]["background"] == choice["function"]
        assert (
            category["fit_background_only"].get("options", {"background": choice["function"]})["background"]
            == choice["function"]
        )
        look = fit["look_elsewhere"]
        assert look["method"] == "upcrossings" and look["n_toys"] <= 2
        assert look["significance_global"] <= look["z_local_max"]
        if fit["quality"]["ok"]:
            assert result.summary["significance"][name]["observed_global"] == look["significance_global"]
    assert "bkg fn" in table and "S_spur" in table
    assert "ml: cut chosen on simulated events with even eventNumber" in table
