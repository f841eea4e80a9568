"""Finding Open Data by dataset (`--dataset`): files, normalisation, data periods and their luminosity, from a
catalogue saved in atlasopenmagic's `save_metadata` layout; never the network."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from higgshunt.cli import main
from higgshunt.errors import InputError
from higgshunt.eventloop import datasets

HERE = Path(__file__).resolve().parent
# Written in the layout atlasopenmagic.save_metadata writes (the tests use no network): three simulated
# datasets and the data of two skims. The 301333 record's numbers are those of the shared real file's
# branches; the others are illustrative.
METADATA = HERE / "data" / "opendata_2025e_metadata.json"
SHARED_2025 = sorted((HERE.parents[2] / "shared/data/atlas_opendata_13tev_2025").glob("*.root"))
EOS = "root://eospublic.cern.ch:1094//eos/opendata/atlas/rucio/opendata/"


@pytest.fixture
def catalogue() -> datasets.Catalogue:
    return datasets.catalogue("2025e-13tev-beta", METADATA)


def test_a_simulated_dataset_brings_its_files_and_normalisation(catalogue: datasets.Catalogue) -> None:
    found = datasets.resolve(["345060"], skim="exactly4lep", source=catalogue)
    sample = found["PowhegPythia8EvtGen_NNLOPS_nnlo_30_ggH125_ZZ4l"]
    assert sample.files == (
        f"{EOS}ODEO_FEB2025_v0_exactly4lep_mc_345060.PowhegPythia8EvtGen_NNLOPS_nnlo_30_ggH125_ZZ4l"
        ".exactly4lep.root",
    )
    assert sample.kind == "background" and sample.dsid == 345060
    assert sample.xsec_pb == pytest.approx(0.0133 * 1.0 * 1.45)  # cross_section_pb * genFiltEff * kFactor
    assert sample.sum_weights == 2.5e6
    # the physics short name (any case) finds the same dataset; NAME= names the sample
    by_name = datasets.resolve(
        ["higgs=powhegpythia8evtgen_NNLOPS_nnlo_30_ggH125_ZZ4l"], skim="exactly4lep", source=catalogue
    )
    assert by_name["higgs"].files == sample.files and by_name["higgs"].xsec_pb == sample.xsec_pb


def test_several_datasets_in_one_sample_take_their_normalisation_from_the_files(
    catalogue: datasets.Catalogue,
) -> None:
    sample = datasets.resolve(["bkg=700600,301333"], skim="exactly4lep", source=catalogue)["bkg"]
    assert len(sample.files) == 2
    assert sample.xsec_pb is None and sample.sum_weights is None and sample.dsid is None


@pytest.mark.parametrize(
    ("protocol", "start"),
    [
        ("root", "root://eospublic.cern.ch:1094//eos/opendata/"),
        ("https", "https://opendata.cern.ch/eos/opendata/"),
        ("eos", "/eos/opendata/"),
    ],
)
def test_protocols_rewrite_the_urls(catalogue: datasets.Catalogue, protocol: str, start: str) -> None:
    (sample,) = datasets.resolve(["700600"], skim="exactly4lep", source=catalogue, protocol=protocol).values()
    assert sample.files[0].startswith(start) and sample.files[0].endswith(".exactly4lep.root")


def test_data_carry_the_luminosity_of_their_periods(
    catalogue: datasets.Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    every = datasets.resolve(["data"], skim="exactly4lep", source=catalogue)["data"]
    assert every.kind == "data" and len(every.files) == 16
    assert every.lumi_fb == 36.6  # all periods: the release's luminosity
    assert {datasets.period_of(path) for path in every.files} == set(
        datasets.LUMINOSITY["2025e-13tev-beta"].periods
    )
    # one period is not the whole release: its luminosity is not published, so none is claimed (it says so)
    with caplog.at_level(logging.WARNING):
        one = datasets.resolve(["data"], skim="exactly4lep", source=catalogue, periods=["data16_periodI"])[
            "data"
        ]
    assert one.files == (f"{EOS}ODEO_FEB2025_v0_exactly4lep_data16_PeriodI.exactly4lep.root",)
    assert one.lumi_fb is None and "not published" in caplog.text


def test_2020_periods_have_their_own_luminosity() -> None:
    table = datasets.LUMINOSITY["2020-13tev"]
    assert sum(v for v in table.periods.values() if v is not None) == pytest.approx(table.total_fb)
    assert datasets.data_lumi_fb(["/x/data_A.4lep.root"], "2020-13tev") == 0.5
    assert datasets.data_lumi_fb(
        ["/x/data_A.4lep.root", "/x/data_B.4lep.root"], "2020-13tev"
    ) == pytest.approx(2.4)
    every = [f"/x/data_{p}.4lep.root" for p in "ABCD"]
    assert datasets.data_lumi_fb(every, "2020-13tev") == 10.0
    # files of no period (pseudo-data, renamed files) leave the luminosity to the config
    assert datasets.data_lumi_fb(["/x/data_pseudo10fb.4lep.root"], "2020-13tev") is None
    assert datasets.data_lumi_fb([], "2020-13tev") is None


@pytest.mark.parametrize(
    ("request_", "skim", "message"),
    [
        (
            "999999",
            "exactly4lep",
            r"--dataset 999999: not in release 2025e-13tev-beta according to .*metadata",
        ),
        ("700600", "GamGam", r"--skim GamGam: dataset 700600 .* \(skims with files: exactly4lep, noskim\)"),
        ("mix=data,700600", "exactly4lep", "mixes data and simulated datasets"),
        ("700600,345060", "exactly4lep", r"name a sample of several datasets"),
        ("=", "exactly4lep", "expected"),
    ],
)
def test_bad_requests_are_one_line_errors(
    catalogue: datasets.Catalogue, request_: str, skim: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as error:
        datasets.resolve([request_], skim=skim, source=catalogue)
    assert "\n" not in str(error.value)


def test_bad_catalogues_and_releases_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "metadata.json"
    broken.write_text("[1, 2]")
    with pytest.raises(InputError, match="expected a JSON object of dataset records"):
        datasets.catalogue("2025e-13tev-beta", broken)
    with pytest.raises(InputError, match="cannot read the Open Data metadata file"):
        datasets.catalogue("2025e-13tev-beta", tmp_path / "missing.json")
    with pytest.raises(InputError, match="--release 2030: expected one of"):
        datasets.catalogue("2030", METADATA)


def test_cli_reports_an_unknown_dataset_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["skim", "--config", "hzz4l_2025", "--dataset", "123", "--metadata", str(METADATA)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "--dataset 123: not in release 2025e-13tev-beta" in err[0]


@pytest.mark.skipif(not SHARED_2025, reason="the shared real 2025 file is not present")
def test_cli_skims_a_dataset_found_in_the_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import uproot

    # A catalogue for a local copy: the dataset's file is the shared real one.
    records = json.loads(METADATA.read_text())
    for skim in records["301333"]["skims"]:
        if skim["skim_type"] == "2J2LMET30":
            skim["file_list"] = [str(SHARED_2025[0])]
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps(records))
    config = {
        "channel": "any_2025",
        "description": "every event",
        "tree": "mini",
        "lumi_fb": 36.6,
        "weights": {"mc": "mcWeight", "scale_factors": ["scaleFactor_PILEUP"]},
        "definitions": {},
        "cuts": [{"name": "leptons", "expression": "lep_n >= 1"}],
        "features": [{"name": "met", "expression": "met_et", "unit": "MeV"}],
    }
    config_path = tmp_path / "any_2025.yaml"
    config_path.write_text(yaml.safe_dump(config))
    argv = [
        "skim",
        "--config",
        str(config_path),
        "--output",
        str(tmp_path / "out"),
        "--json",
        "--no-progress",
    ]
    argv += ["--dataset", "zprime=301333", "--skim", "2J2LMET30", "--metadata", str(metadata)]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["cutflows"]["zprime"]
    # the "all" row from the catalogue's normalisation, by hand: lumi * 1000 * xsec / sum_of_weights * weights
    a = uproot.open(SHARED_2025[0])["analysis"].arrays(["mcWeight", "ScaleFactor_PILEUP"], library="np")
    expected = (
        36.6 * 1000.0 * 0.005084 / 30000.0 * np.sum(a["mcWeight"] * a["ScaleFactor_PILEUP"].astype(float))
    )
    assert rows[0]["entries"] == 365
    assert rows[0]["sum_w"] == pytest.approx(expected, rel=1e-6)


def test_a_2020_data_file_of_one_period_carries_that_periods_luminosity(
    real_4lep_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from higgshunt import skim
    from higgshunt.artifacts import skim_table

    config = tmp_path / "leptons.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "channel": "leptons",
                "description": "every event",
                "tree": "mini",
                "lumi_fb": 10.0,
                "weights": {"mc": "mcWeight", "scale_factors": []},
                "definitions": {},
                "cuts": [{"name": "leptons", "expression": "lep_n >= 1"}],
                "features": [{"name": "met", "expression": "met_et", "unit": "MeV"}],
            }
        )
    )
    data = tmp_path / real_4lep_file.name  # data_A.4lep.root: period A of 2016
    data.symlink_to(real_4lep_file)
    with caplog.at_level(logging.WARNING):
        result = skim.run(
            skim.load(config), output=tmp_path / "out", inputs_by_name={"data": [str(data)]}, progress=False
        )
    attributes = skim_table.attributes(result.skim_file, "data")
    assert attributes is not None and attributes.lumi_fb == 0.5  # not the config's 10 fb^-1 of periods A-D
    assert "data periods hold 0.5 fb^-1" in caplog.text


def test_online_lookups_go_through_atlasopenmagic(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for the package (no network in tests): it serves the recorded records, as its
    # get_all_info does after set_release; the calls it receives are the ones higgshunt makes online.
    import types

    records = json.loads(METADATA.read_text())
    calls: list[tuple[str, str]] = []

    def get_all_info(key: str) -> dict[str, object]:
        calls.append(("get_all_info", key))
        if key not in records:
            raise ValueError(f"Invalid key: '{key}'.")
        return dict(records[key])

    fake = types.SimpleNamespace(
        set_verbosity=lambda level: calls.append(("set_verbosity", level)),
        set_release=lambda name: calls.append(("set_release", name)),
        get_all_info=get_all_info,
    )
    monkeypatch.setitem(sys.modules, "atlasopenmagic", fake)
    source = datasets.catalogue("2020-13tev", None)
    assert ("set_release", "2020e-13tev") in calls  # the package's name of the 2020 release
    sample = datasets.resolve(["700600"], skim="exactly4lep", source=source)["Sh_2212_llll"]
    assert sample.xsec_pb == 1.3 and ("get_all_info", "700600") in calls
    with pytest.raises(InputError, match=r"--dataset 42: not found in release 2020-13tev \(Invalid key"):
        datasets.resolve(["42"], skim="exactly4lep", source=source)


def test_online_lookups_without_the_package_say_how_to_work_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "atlasopenmagic", None)  # import fails
    with pytest.raises(InputError, match="needs the atlasopenmagic package; offline, give --metadata FILE"):
        datasets.catalogue("2025e-13tev-beta", None)
