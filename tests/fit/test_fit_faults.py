"""`higgshunt fit` on bad input: one-line errors naming what is wrong, non-zero exit, nothing written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fit_toys import toy_file, write_histograms
from higgshunt.cli import main
from higgshunt.errors import ConfigError, FitError, InputError
from higgshunt.fit import FitOptions, fit_histogram, run_fit
from higgshunt.fit import likelihood as lk

EDGES = np.linspace(100.0, 160.0, 61)


@pytest.fixture(scope="module")
def histograms(tmp_path_factory):
    import ROOT

    path = tmp_path_factory.mktemp("faults") / "hists.root"
    write_histograms(
        path,
        {
            "good": (EDGES, np.full(60, 30.0)),
            "zeros": (EDGES, np.zeros(60)),
            "negative": (EDGES, np.r_[np.full(59, 30.0), -1.0]),
            "sparse": (EDGES, np.r_[np.zeros(30), np.full(30, 5.0)]),
            "dir/nested": (EDGES, np.full(60, 1.0)),
        },
    )
    handle = ROOT.TFile(str(path), "UPDATE")
    ROOT.TH2D("map", "", 4, 0, 1, 4, 0, 1).Write()
    handle.Close()
    return path


@pytest.mark.parametrize(
    ("spec", "mass_range", "error", "message"),
    [
        (
            "{path}:missing",
            (100, 160),
            InputError,
            r"no histogram 'missing' \(histograms in the file: "
            r"dir/nested, good, map, negative, sparse, zeros\)",
        ),
        ("{path}:zeros", (100, 160), InputError, r"empty \(all bins zero\) in \[100.0, 160.0\]"),
        ("{path}:sparse", (100, 130), InputError, "empty"),
        ("{path}:negative", (100, 160), InputError, "negative bin contents"),
        ("{path}:map", (100, 160), InputError, "is a TH2D, expected a 1D histogram"),
        (
            "{path}:good",
            (200, 300),
            ConfigError,
            r"mass range \[200, 300\] is not inside the histogram's range",
        ),
        ("{path}:good", (90, 150), ConfigError, "not inside the histogram's range"),
        ("{path}:good", (100, 102.5), ConfigError, "fewer than 3 whole bins"),
        ("{path}.nothere:good", (100, 160), InputError, r"\.nothere: no such file"),
        ("{path}", (100, 160), ConfigError, "expected FILE.root:HISTNAME"),
    ],
)
def test_bad_histograms(histograms, spec: str, mass_range, error, message: str) -> None:
    with pytest.raises(error, match=message):
        fit_histogram(FitOptions(hist=spec.format(path=histograms), mass_range=mass_range))


def test_nested_histogram_is_found(histograms) -> None:
    result, _ = fit_histogram(
        FitOptions(hist=f"{histograms}:dir/nested", mass_range=(100.0, 160.0), signal_mass=130.0, width=2.0)
    )
    assert result.background_yield == pytest.approx(60.0, rel=0.1)
    assert result.significance_local["mass_fixed"] < 1.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mass_range": (160.0, 100.0)}, "--mass-range: low 160.0 must be below high 100.0"),
        ({"signal_mass": 170.0}, r"--signal-mass: 170.0 is outside the mass range"),
        ({"width": -1.0}, "--width: -1.0 must be positive"),
        ({"mass_window": 0.0}, "--mass-window"),
        ({"signal": "voigt"}, "--signal: 'voigt' is not one of gauss, dscb"),
        ({"background": "pow"}, "--background: 'pow'"),
    ],
)
def test_bad_options(histograms, changes, message: str) -> None:
    options = {"hist": f"{histograms}:good", "mass_range": (100.0, 160.0)} | changes
    with pytest.raises(ConfigError, match=message):
        fit_histogram(FitOptions(**options))


def test_non_converging_fit_writes_nothing(tmp_path, monkeypatch) -> None:
    path = toy_file(tmp_path / "toy.root", 1)
    real = lk.minimize

    def failing(nll, name, **kwargs):
        minimum = real(nll, name, **kwargs)
        return lk.Minimum(minimum.name, minimum.nll, 4, 0, 1.0) if "mass fixed" in name else minimum

    monkeypatch.setattr(lk, "minimize", failing)
    with pytest.raises(FitError, match=r"\(mass fixed, signal >= 0\) fit did not converge \(MINUIT status 4"):
        run_fit(FitOptions(hist=f"{path}:mass", mass_range=(100.0, 160.0)), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_writes_json_and_plots(tmp_path, capsys) -> None:
    path = toy_file(tmp_path / "toy.root", 2)
    out = tmp_path / "fit"
    code = main(
        [
            "fit",
            "--hist",
            f"{path}:mass",
            "--signal",
            "gauss",
            "--background",
            "exp",
            "--mass-range",
            "100",
            "160",
            "--signal-mass",
            "125",
            "--output",
            str(out),
            "--seed",
            "3",
        ]
    )
    assert code == 0
    document = json.loads((out / "fit.json").read_text())
    for key in (
        "mass",
        "mass_err",
        "width",
        "signal_yield",
        "signal_yield_err",
        "background_yield",
        "significance_local",
        "significance_postfit_asimov",
        "mass_range",
        "quality",
        "chi2_ndf",
        "status",
        "covariance_quality",
        "provenance",
    ):
        assert key in document
    assert document["inputs"]["seed"] == 3
    assert set(document["significance_local"]) >= {"mass_floating", "mass_fixed"}
    assert (out / "fit.png").stat().st_size > 10_000 and (out / "fit.pdf").stat().st_size > 5_000
    assert "Z local" in capsys.readouterr().out


def test_cli_error_is_one_line(tmp_path, histograms, capsys) -> None:
    code = main(
        ["fit", "--hist", f"{histograms}:nope", "--mass-range", "100", "160", "--output", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith("higgshunt fit: error:") and "good" in err
    assert not (tmp_path / "o").exists()


def _cli(capfd, *args: str) -> tuple[int, str]:
    """Run `higgshunt fit` in-process; (exit code, everything on stderr, ROOT's C++ output included)."""
    code = main(["fit", *args])
    return code, capfd.readouterr().err.strip()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mass,count\n100,3\n", "not a readable ROOT file"),
        (b"", "not a readable ROOT file"),
    ],
)
def test_a_file_that_is_not_root_is_one_line(tmp_path, capfd, content: bytes, message: str) -> None:
    path = tmp_path / "hists.root"
    path.write_bytes(content)
    code, err = _cli(
        capfd, "--hist", f"{path}:mass", "--mass-range", "100", "160", "--output", str(tmp_path / "o")
    )
    assert code == 1
    assert err.splitlines() == [err] and message in err and str(path) in err
    assert not (tmp_path / "o").exists()


def test_a_truncated_root_file_is_one_line(tmp_path, capfd) -> None:
    whole = toy_file(tmp_path / "whole.root", 4)
    cut = tmp_path / "cut.root"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    code, err = _cli(
        capfd, "--hist", f"{cut}:mass", "--mass-range", "100", "160", "--output", str(tmp_path / "o")
    )
    assert code == 1
    assert err.splitlines() == [err] and str(cut) in err
    assert "truncated" in err or "not a readable ROOT file" in err


def test_a_missing_histogram_names_the_file(histograms, tmp_path, capfd) -> None:
    code, err = _cli(
        capfd, "--hist", f"{histograms}:mass", "--mass-range", "100", "160", "--output", str(tmp_path / "o")
    )
    assert code == 1 and err.splitlines() == [err] and f"{histograms}: no histogram 'mass'" in err


def test_a_nan_bin_names_the_histogram_and_bin_without_gsl_output(tmp_path, capfd) -> None:
    counts = np.full(60, 30.0)
    counts[41] = np.nan
    path = write_histograms(tmp_path / "nan.root", {"mass": (EDGES, counts)})
    code, err = _cli(
        capfd, "--hist", f"{path}:mass", "--mass-range", "100", "160", "--output", str(tmp_path / "o")
    )
    assert code == 1
    assert err.splitlines() == [err]  # no GSL or RooFit lines
    assert f"{path}:mass: bin 42 [141.0, 142.0] holds nan" in err


def test_an_infinite_signal_shape_bin_is_refused(histograms, tmp_path) -> None:
    counts = np.full(60, 30.0)
    counts[0] = np.inf
    shape = write_histograms(tmp_path / "shape.root", {"signal": (EDGES, counts)})
    with pytest.raises(InputError, match=r"shape.root:signal: bin 1 \[100.0, 101.0\] holds inf"):
        fit_histogram(
            FitOptions(hist=f"{histograms}:good", mass_range=(100.0, 160.0), signal_shape=f"{shape}:signal")
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mass_range": (100.0, float("nan"))}, "--mass-range: .* must be two finite numbers"),
        ({"mass_range": (float("-inf"), 160.0)}, "--mass-range: .* must be two finite numbers"),
        ({"mass_range": (130.0, 130.0)}, "--mass-range: low 130.0 must be below high 130.0"),
        ({"width": float("inf")}, "--width: inf must be a finite number"),
        ({"width": float("nan")}, "--width: nan must be a finite number"),
        ({"mass_window": -2.0}, "--mass-window: -2.0 must be positive"),
        ({"seed": -1}, "--seed: -1 is less than the minimum of 0"),
        ({"seed": 2**32}, "--seed: 4294967296 is greater than the maximum of 4294967295"),
    ],
)
def test_option_values_out_of_range(histograms, changes, message: str) -> None:
    options = {"hist": f"{histograms}:good", "mass_range": (100.0, 160.0)} | changes
    with pytest.raises(ConfigError, match=message):
        fit_histogram(FitOptions(**options))


def test_cli_mass_range_outside_the_histogram_is_one_line(histograms, tmp_path, capfd) -> None:
    code, err = _cli(
        capfd, "--hist", f"{histograms}:good", "--mass-range", "100", "200", "--output", str(tmp_path / "o")
    )
    assert (
        code == 1 and err.splitlines() == [err] and "not inside the histogram's range [100.0, 160.0]" in err
    )
