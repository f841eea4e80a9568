"""The RMM inside RDataFrame on the real ATLAS Open Data file, 1 and 2 threads, against the numpy binding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from higgshunt import native

# MV2c10 77% b-tagging efficiency working point of the 2016-2017 ATLAS recommendations.
MV2C10_77 = 0.645925
SLOTS = [5, 5, 5, 5]  # jets, b-jets, muons, electrons (Chekanov's type order)
INPUTS = ("obj_pt", "obj_eta", "obj_phi", "obj_E", "obj_type")

pytestmark = pytest.mark.slow


def rmm_columns(path: str, threads: int) -> dict[str, np.ndarray]:
    """Build the objects and their RMM in RDataFrame (through RMMBuilder and through the free function);
    read back the matrices, the inputs and the event numbers."""
    import ROOT

    if threads > 1:
        ROOT.EnableImplicitMT(threads)
    native.load_into_root()
    ROOT.gInterpreter.Declare("const higgshunt::RMMBuilder rmm_test_t4n5({5, 5, 5, 5}, 13e6);")
    df = (
        ROOT.RDataFrame("mini", path)
        .Define("obj_pt", "ROOT::VecOps::Concatenate(jet_pt, lep_pt)")
        .Define("obj_eta", "ROOT::VecOps::Concatenate(jet_eta, lep_eta)")
        .Define("obj_phi", "ROOT::VecOps::Concatenate(jet_phi, lep_phi)")
        .Define("obj_E", "ROOT::VecOps::Concatenate(jet_E, lep_E)")
        .Define(
            "obj_type",
            f"ROOT::VecOps::Concatenate(ROOT::VecOps::Where(jet_MV2c10 > {MV2C10_77}f, 1, 0),"
            " ROOT::VecOps::Where(lep_type == 13u, 2, 3))",
        )
        .Define("rmm", "rmm_test_t4n5(obj_pt, obj_eta, obj_phi, obj_E, obj_type, met_et, met_phi)")
        .Define(
            "rmm_free",
            "higgshunt::RapidityMassMatrix(obj_pt, obj_eta, obj_phi, obj_E, obj_type, met_et,"
            " met_phi, {5, 5, 5, 5})",
        )
    )
    columns = df.AsNumpy(["eventNumber", "met_et", "met_phi", "rmm", "rmm_free", *INPUTS])
    out = {k: np.asarray(v) for k, v in columns.items() if k not in ("rmm", "rmm_free", *INPUTS)}
    for name in ("rmm", "rmm_free"):
        out[name] = np.stack([np.asarray(v, dtype=np.float32) for v in columns[name]])
    for name in INPUTS:
        out[name] = np.concatenate([np.asarray(v) for v in columns[name]])
    out["offsets"] = np.concatenate([[0], np.cumsum([len(v) for v in columns["obj_pt"]])]).astype(np.int64)
    return out


def binding_rmm(columns: dict[str, np.ndarray]) -> np.ndarray:
    return native.core().rmm(
        columns["obj_pt"],
        columns["obj_eta"],
        columns["obj_phi"],
        columns["obj_E"],
        columns["obj_type"],
        columns["offsets"],
        columns["met_et"],
        columns["met_phi"],
        SLOTS,
    )


@pytest.fixture(scope="module")
def single_threaded(real_4lep_file: Path) -> dict[str, np.ndarray]:
    return rmm_columns(str(real_4lep_file), threads=1)


def test_rdataframe_matches_the_numpy_binding(single_threaded: dict[str, np.ndarray]) -> None:
    columns = single_threaded
    assert columns["rmm"].shape == (39, 21 * 21)
    np.testing.assert_array_equal(columns["rmm"], binding_rmm(columns))
    np.testing.assert_array_equal(columns["rmm_free"], columns["rmm"])
    # The real events fill every block: jets, b-jets, muons and electrons, and MET.
    diagonal = columns["rmm"][:, np.arange(21) * 22]
    for first_slot in (1, 6, 11, 16):
        assert np.count_nonzero(diagonal[:, first_slot]) > 0
    assert np.all(columns["rmm"][:, 0] > 0)


def test_multithreaded_rdataframe_matches_single_threaded(
    single_threaded: dict[str, np.ndarray], real_4lep_file: Path, tmp_path: Path
) -> None:
    output = tmp_path / "rmm_mt.npz"
    script = (
        "import sys, numpy as np\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import test_rmm_rdataframe as t\n"
        f"np.savez({str(output)!r}, **t.rmm_columns({str(real_4lep_file)!r}, threads=2))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    multi = dict(np.load(output))
    # Multi-threaded loops do not keep entry order: match events by eventNumber.
    single = single_threaded
    single_order, multi_order = np.argsort(single["eventNumber"]), np.argsort(multi["eventNumber"])
    np.testing.assert_array_equal(multi["eventNumber"][multi_order], single["eventNumber"][single_order])
    np.testing.assert_array_equal(multi["rmm"][multi_order], single["rmm"][single_order])
    np.testing.assert_array_equal(multi["rmm"], binding_rmm(multi))


def test_cpp_errors_name_sizes_and_types() -> None:
    import ROOT

    native.load_into_root()
    builder = ROOT.higgshunt.RMMBuilder(ROOT.std.vector["int"]([2, 2]))
    assert builder.c() == pytest.approx(0.15) and builder.sqrt_s() == 13e6 and builder.size() == 5
    floats, ints = ROOT.RVec["float"], ROOT.RVec["int"]
    one, two = floats([1e3]), floats([1e3, 2e3])
    with pytest.raises(Exception, match="input sizes differ: pt 2, eta 1, phi 2, e 2, type 2"):
        builder(two, one, two, two, ints([0, 1]), 0.0, 0.0)
    with pytest.raises(Exception, match="object 1 has type 5, expected 0..1"):
        builder(two, two, two, two, ints([0, 5]), 0.0, 0.0)
    # The default C of the compiled builder is the float 0.15: h_L of y = ln 3 is 0.15 (cosh(ln 3) - 1) = 0.1.
    y, pt = np.log(3.0), 10e3
    matrix = builder(floats([pt]), floats([y]), floats([0.0]), floats([pt * np.cosh(y)]), ints([0]), 0.0, 0.0)
    assert matrix[5] == pytest.approx(0.1, rel=1e-5)
