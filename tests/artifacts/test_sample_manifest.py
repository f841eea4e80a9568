"""The sample manifest: round trip, the generation's layout, versions, schema errors, one exception type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt.artifacts import sample_manifest
from higgshunt.artifacts.sample_manifest import FileEntry, SampleManifest, SampleManifestError
from higgshunt.errors import InputError

SIMULATED = FileEntry(
    path="4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root",
    kind="signal",
    skim="4lep",
    process="ggH125_ZZ4lep",
    dsid=345060,
    xsec_pb=0.0285,
    sum_weights=12.5,
    filter_efficiency=0.5,
    n_events=10,
    seed=1,
    fingerprint="abc",
    sigma_pythia_pb=0.05,
    k_factor=1.1,
    fakes=None,
    n_generated=40,
    n_filtered=20,
    pythia_seed=7,
)
PSEUDO_DATA = FileEntry(
    path="4lep/Data/data_pseudo10fb.4lep.root",
    kind="data",
    skim="4lep",
    process="data_pseudo10fb",
    dsid=300000,
    n_events=3,
    seed=1,
    fingerprint="def",
    lumi_fb=10.0,
    expected_events=2.5,
)


def _saved(tmp_path: Path) -> SampleManifest:
    manifest = SampleManifest(sample_manifest.path(tmp_path), provenance={"code_version": "test"})
    manifest = manifest.with_entry(SIMULATED).with_entry(PSEUDO_DATA)
    sample_manifest.save(manifest)
    return manifest


def test_round_trip(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    loaded = sample_manifest.load(saved.path)
    assert loaded == saved and loaded.provenance == {"code_version": "test"}
    assert [entry.path for entry in loaded.entries] == sorted([SIMULATED.path, PSEUDO_DATA.path])
    assert loaded.entry(SIMULATED.path) == SIMULATED and loaded.entry("other.root") is None
    assert loaded.file(SIMULATED) == (tmp_path / SIMULATED.path).resolve()
    replaced = loaded.with_entry(FileEntry(path=SIMULATED.path, kind="background"))
    assert len(replaced.entries) == 2 and replaced.entry(SIMULATED.path).kind == "background"  # type: ignore[union-attr]


def test_layout_is_the_generations(tmp_path: Path) -> None:
    """Each entry has the keys of its kind (unknown values null), as `higgshunt generate` wrote them."""
    document = json.loads(_saved(tmp_path).path.read_text())
    assert document["format_version"] == 1
    by_kind = {entry["kind"]: entry for entry in document["samples"]}
    assert set(by_kind["signal"]) == {
        "path", "kind", "skim", "process", "dsid", "xsec_pb", "sum_weights", "filter_efficiency", "n_events",
        "seed", "fingerprint", "sigma_pythia_pb", "k_factor", "fakes", "n_generated", "n_filtered",
        "pythia_seed",
    }  # fmt: skip
    assert by_kind["signal"]["fakes"] is None
    assert set(by_kind["data"]) == {
        "path", "kind", "skim", "process", "dsid", "xsec_pb", "sum_weights", "filter_efficiency", "n_events",
        "seed", "fingerprint", "lumi_fb", "expected_events",
    }  # fmt: skip


def test_manifest_without_version_is_version_1(tmp_path: Path) -> None:
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"samples": [{"path": "a.root", "kind": "data", "skim": "4lep"}]}))
    manifest = sample_manifest.load(path)
    assert manifest.entries == (FileEntry(path="a.root", kind="data", skim="4lep"),)
    assert manifest.provenance is None  # not written by the generation


def test_other_version_names_both(tmp_path: Path) -> None:
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"format_version": 2, "samples": []}))
    with pytest.raises(SampleManifestError) as error:
        sample_manifest.load(path)
    assert (
        str(path) in str(error.value) and "version 2" in str(error.value) and "version 1" in str(error.value)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a sample manifest: not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"samples": [{"path": "a.root", "kind": "mc"}]}', "'mc' is not one of"),
        ('{"samples": [{"path": "a.root"}]}', "'kind' is a required property"),
        ('{"samples": [{"path": "a.root", "kind": "data", "colour": 1}]}', "colour"),
        ('{"files": []}', "unknown key 'files'"),
        ("{}", "'samples' is a required property"),
        (
            '{"samples": [{"path": "a.root", "kind": "data"}, {"path": "a.root", "kind": "data"}]}',
            "files listed more than once: ['a.root']",
        ),
    ],
)
def test_bad_manifest_one_error_type(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "samples.json"
    path.write_text(text)
    with pytest.raises(SampleManifestError) as error:
        sample_manifest.load(path)
    assert str(path) in str(error.value) and message in str(error.value) and "\n" not in str(error.value)
    assert isinstance(error.value, InputError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SampleManifestError, match="no such file"):
        sample_manifest.load(tmp_path / "samples.json")
