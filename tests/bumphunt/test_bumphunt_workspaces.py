"""The bump hunt exports every category as a pyhf workspace: its templates are the category's histograms (sums
of weights, Sumw2 as staterror, read independently with uproot), and it fits with pyhf."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import uproot
from higgshunt.artifacts import workspaces
from higgshunt.fit import fit_pyhf


def test_every_category_has_a_workspace_of_its_histograms(hunt: Any) -> None:
    index = workspaces.load_index(hunt.output)
    assert set(index["channels"]) == {"cutbased", "ml", "ml_cat1", "ml_cat2"}
    skipped = {c: e["skipped"] for c, e in index["channels"].items() if "skipped" in e}
    # the tiny samples may leave data where a score category has no simulated background: said, not written
    assert all("where the simulation has no background" in why for why in skipped.values())
    assert "cutbased" not in skipped
    assert index["channels"]["cutbased"]["spurious_signal"] is not None
    with uproot.open(hunt.root_file) as handle:
        for category, entry in index["channels"].items():
            if category in skipped:
                assert not (workspaces.directory(hunt.output) / f"{category}.json").exists()
                continue
            assert entry["data_kind"] == hunt.summary["data_kind"] and entry["lumi_uncertainty"] == 0.021
            spec = workspaces.load(workspaces.directory(hunt.output) / entry["file"])
            samples = {s["name"]: s for s in spec["channels"][0]["samples"]}
            for name in ("H125", "background_zz"):
                hist = handle[f"{category}/{name}"]
                np.testing.assert_allclose(samples[name]["data"], np.clip(hist.values(), 0, None))
                staterror = next(m for m in samples[name]["modifiers"] if m["type"] == "staterror")
                np.testing.assert_allclose(staterror["data"], np.sqrt(hist.variances()))
            assert any(m["type"] == "normfactor" for m in samples["H125"]["modifiers"])
            # the spurious signal of the configured background function, measured on the simulated background
            spurious = entry["spurious_signal"]
            assert spurious is None or (spurious >= 0 and ("spurious_signal" in samples) == (spurious > 0))
            np.testing.assert_allclose(spec["observations"][0]["data"], handle[f"{category}/data"].values())


def test_the_cut_based_workspace_fits(hunt: Any) -> None:
    index = workspaces.load_index(hunt.output)
    spec = workspaces.load(workspaces.directory(hunt.output) / index["channels"]["cutbased"]["file"])
    result = fit_pyhf(spec, "mu")
    assert result["mu"] == pytest.approx(1.0, abs=5 * result["mu_error"])
