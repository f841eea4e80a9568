"""fit.json: round trip, format version, corrupt and foreign files, and a full disk."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from higgshunt.artifacts import fit_result
from higgshunt.artifacts.fit_result import FitRecord, FitResult, FitResultError
from higgshunt.errors import ArtifactError


def _result(**changes: object) -> FitResult:
    values: dict[str, object] = {
        "mass": 125.1,
        "mass_err": 0.3,
        "width": 2.0,
        "width_err": 0.0,
        "signal_yield": 150.5,
        "signal_yield_err": 20.1,
        "background_yield": 2000.0,
        "background_yield_err": 45.0,
        "significance_local": {
            "mass_floating": 7.1,
            "mass_fixed": 7.0,
            "q0_mass_floating": 50.4,
            "q0_mass_fixed": 49.0,
        },
        "significance_postfit_asimov": 6.5,
        "mass_window": (119.0, 131.0),
        "fixed_mass": 125.0,
        "chi2": 55.2,
        "ndf": 56,
        "chi2_ndf": 55.2 / 56,
        "status": 0,
        "covariance_quality": 3,
        "fits": {"background-only": {"nll": -1.5e4, "status": 0, "covariance_quality": 3, "edm": 1e-6}},
        "parameters": {"mass": {"value": 125.1, "error": 0.3, "constant": False}},
        "mass_range": (100.0, 160.0),
        "quality": {"ok": False, "problems": ["chi2/ndf 95.0/56 (p-value 0.001 < 0.01)"]},
    }
    return FitResult(**(values | changes))  # type: ignore[arg-type]


def _record(result: FitResult | None = None) -> FitRecord:
    return FitRecord(
        result=result or _result(),
        inputs={"hist": "data.root:mass", "mass_range": [100.0, 160.0], "seed": 3},
        provenance={"higgshunt": "test"},
    )


def test_round_trip(tmp_path: Path) -> None:
    written = fit_result.save(tmp_path, _record())
    assert written == tmp_path / fit_result.FILE_NAME
    document = json.loads(written.read_text())
    assert document["format_version"] == fit_result.FORMAT_VERSION
    assert document["mass"] == 125.1 and document["inputs"]["seed"] == 3  # flat, as people read it
    assert fit_result.load(tmp_path) == _record()


def test_undefined_numbers_are_null_in_the_file_and_nan_when_loaded(tmp_path: Path) -> None:
    fit_result.save(tmp_path, _record(_result(ndf=0, chi2_ndf=math.nan)))
    assert json.loads((tmp_path / fit_result.FILE_NAME).read_text())["chi2_ndf"] is None
    assert math.isnan(fit_result.load(tmp_path).result.chi2_ndf)


def test_another_format_version_is_refused_with_both_versions(tmp_path: Path) -> None:
    path = fit_result.save(tmp_path, _record())
    document = json.loads(path.read_text())
    document["format_version"] = 1  # before the quality gates and the fit range used
    path.write_text(json.dumps(document))
    with pytest.raises(FitResultError, match=r"format version 1, this higgshunt reads version 3") as error:
        fit_result.load(tmp_path)
    assert str(path) in str(error.value)


def test_a_file_without_version_is_refused(tmp_path: Path) -> None:
    path = fit_result.save(tmp_path, _record())
    document = json.loads(path.read_text())
    del document["format_version"]
    path.write_text(json.dumps(document))
    with pytest.raises(FitResultError, match="format version None"):
        fit_result.load(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"format_version": 3, "mass": 125.0}), "mass_err"),
    ],
)
def test_corrupt_or_foreign_files(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / fit_result.FILE_NAME).write_text(content)
    with pytest.raises(FitResultError, match=message) as error:
        fit_result.load(tmp_path)
    assert str(tmp_path / fit_result.FILE_NAME) in str(error.value) and "\n" not in str(error.value)


def test_a_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = fit_result.save(tmp_path, _record())
    document = json.loads(path.read_text())
    document["status"] = "converged"
    path.write_text(json.dumps(document))
    with pytest.raises(FitResultError, match="status"):
        fit_result.load(tmp_path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no such file"):
        fit_result.load(tmp_path / "nowhere")


def padded_record() -> FitRecord:
    """A record too large for a 4 kB file-size limit."""
    record = _record()
    record.inputs["padding"] = "x" * 100000
    return record


def test_a_full_disk_is_one_output_error_and_leaves_nothing(tmp_path: Path, save_on_a_full_disk: Any) -> None:
    message = save_on_a_full_disk(
        "test_fit_result", "test.fit_result.save(folder, test.padded_record())", 4096
    )
    assert message == f"{tmp_path / fit_result.FILE_NAME}: cannot write (File too large)"
    assert list(tmp_path.iterdir()) == []
