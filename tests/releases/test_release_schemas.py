"""The release input schemas: detection from the file's content, and the 2025 event model against uproot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.eventloop import releases

SHARED_2025 = sorted(
    (Path(__file__).resolve().parents[3] / "shared/data/atlas_opendata_13tev_2025").glob("*.root")
)
needs_2025_file = pytest.mark.skipif(not SHARED_2025, reason="the shared real 2025 file is not present")
LUMI_FB = 36.6


def test_detect_from_branches_and_one_line_error_listing_what_is_missing() -> None:
    assert releases.detect("f.root", {"mini": releases.RELEASE_2020.required}) is releases.RELEASE_2020
    assert releases.detect("f.root", {"analysis": releases.RELEASE_2025.required}) is releases.RELEASE_2025
    partial = [b for b in releases.RELEASE_2025.required if b not in ("xsec", "kfac")]
    with pytest.raises(InputError) as caught:
        releases.detect("f.root", {"analysis": partial})
    message = str(caught.value)
    assert "\n" not in message and "lacks xsec, kfac" in message and "no TTree 'mini'" in message
    with pytest.raises(InputError, match="unknown release 'x'"):
        releases.by_name("x")


@needs_2025_file
def test_2025_event_model_and_weight_match_an_independent_uproot_computation() -> None:
    import ROOT
    import uproot

    path = str(SHARED_2025[0])
    schema = releases.detect_file(path)
    assert schema is releases.RELEASE_2025
    sfs = ["scaleFactor_PILEUP", "scaleFactor_ELE", "scaleFactor_MUON", "scaleFactor_LepTRIGGER"]
    node = releases.apply(ROOT.RDataFrame(schema.tree, path), schema).Define(
        "w", f"{LUMI_FB * 1000!r} * XSection / SumWeights * mcWeight * " + " * ".join(sfs)
    )
    columns = ["lep_n", "lep_pt", "lep_type", "lep_tracksigd0pvunbiased", "lep_isTightIso", "lep_trigMatched"]
    got = node.AsNumpy([*columns, "w"])

    arrays = uproot.open(path)["analysis"].arrays(library="np")
    for i in range(len(arrays["mcWeight"])):
        keep = arrays["lep_isLooseID"][i] & arrays["lep_isLooseIso"][i]
        order = np.argsort(-arrays["lep_pt"][i][keep], kind="stable")
        np.testing.assert_allclose(
            np.asarray(got["lep_pt"][i]), arrays["lep_pt"][i][keep][order] * 1000, rtol=1e-6
        )
        np.testing.assert_array_equal(np.asarray(got["lep_type"][i]), arrays["lep_type"][i][keep][order])
        d0sig = np.abs(arrays["lep_d0sig"][i][keep][order])
        np.testing.assert_allclose(np.asarray(got["lep_tracksigd0pvunbiased"][i]), d0sig, rtol=1e-6)
        assert got["lep_n"][i] == keep.sum()
        for name, source in (("lep_isTightIso", "lep_isTightIso"), ("lep_trigMatched", "lep_isTrigMatched")):
            np.testing.assert_array_equal(np.asarray(got[name][i]), arrays[source][i][keep][order])
    # Hand computation of lumi * 1000 * xsec * filteff * kfac / sum_of_weights * mcWeight * scale factors.
    a = {k: arrays[k].astype(np.float64) for k in ("xsec", "filteff", "kfac", "sum_of_weights", "mcWeight")}
    hand = LUMI_FB * 1000 * a["xsec"] * a["filteff"] * a["kfac"] / a["sum_of_weights"] * a["mcWeight"]
    for factor in ("PILEUP", "ELE", "MUON", "LepTRIGGER"):
        hand = hand * arrays[f"ScaleFactor_{factor}"].astype(np.float64)
    np.testing.assert_allclose(got["w"], hand, rtol=1e-6)
    assert np.sign(got["w"]).tolist() == np.sign(hand).tolist()  # negative generator weights stay negative


@needs_2025_file
def test_btag_quantiles_pass_the_mv2c10_working_points_of_their_efficiency() -> None:
    import ROOT
    import uproot

    path = str(SHARED_2025[0])
    node = releases.apply(ROOT.RDataFrame("analysis", path), releases.RELEASE_2025)
    scores = [list(v) for v in node.Take["ROOT::RVecF"]("jet_MV2c10").GetValue()]
    quantiles = uproot.open(path)["analysis"]["jet_btag_quantile"].array(library="np")
    assert sum(len(q) for q in quantiles) > 500  # the file's jets, with every quantile present
    # working points by efficiency: 85 % passes quantiles >= 2, 77 % >= 3, 70 % >= 4, 60 % = 5
    for minimum, cut in enumerate(releases.MV2C10_WORKING_POINTS, start=2):
        for score, quantile in zip(scores, quantiles, strict=True):
            assert (np.asarray(score) > cut).tolist() == (np.asarray(quantile) >= minimum).tolist()
    assert set(np.concatenate(quantiles).tolist()) == {1, 2, 3, 4, 5}
    # the photon trigger scale factor, absent in the 2025 files, is 1
    assert set(node.Take["float"]("scaleFactor_PhotonTRIGGER").GetValue()) == {1.0}
