"""The fit plot says what the data are (the file's TNamed `data_kind`) and draws ROOT axis titles as
mathtext."""

from __future__ import annotations

from typing import Any

import pytest
from fit_toys import toy_file
from higgshunt.fit import FitOptions, fit_histogram
from higgshunt.fit.plotting import mathtext, save_plot
from higgshunt.fit.spectrum import read_spectrum
from higgshunt.plotting import data_label


def _with_kind(path: Any, kind: str | None) -> Any:
    import ROOT

    if kind is not None:
        handle = ROOT.TFile.Open(str(path), "UPDATE")
        ROOT.TNamed("data_kind", kind).Write()
        handle.Close()
    return path


@pytest.mark.parametrize("kind", ["open_data", "pseudo_data", "simulation", None])
def test_spectrum_reads_the_data_kind(tmp_path: Any, kind: str | None) -> None:
    path = _with_kind(toy_file(tmp_path / "toy.root", 2), kind)
    assert read_spectrum(f"{path}:mass", (100, 160)).data_kind == kind


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("pseudo_data", "higgshunt pseudo-data"),
        ("simulation", "higgshunt simulation"),
        (None, "ATLAS Open Data"),
    ],
)
def test_plot_label_follows_the_data_kind(
    tmp_path: Any, monkeypatch: Any, kind: str | None, label: str
) -> None:
    from higgshunt.fit import plotting

    drawn: list[str] = []
    original = plotting.draw_data_label

    def spy(ax: Any, kind: str, **kwargs: Any) -> None:
        drawn.append(str(data_label(kind)))
        original(ax, kind, **kwargs)

    monkeypatch.setattr(plotting, "draw_data_label", spy)
    path = _with_kind(toy_file(tmp_path / "toy.root", 2), kind)
    options = FitOptions(hist=f"{path}:mass", mass_range=(100.0, 160.0), signal_mass=125.0, seed=3)
    result, curves = fit_histogram(options)
    paths = save_plot(curves, result, options, tmp_path)
    assert drawn == [label]
    assert all(p.stat().st_size > 5_000 for p in paths)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("m_{4l} [GeV]", "$m_{4l}$ [GeV]"),
        ("m_{#gamma#gamma} [GeV]", "$m_{\\gamma\\gamma}$ [GeV]"),
        ("Mass [GeV]", "Mass [GeV]"),
        ("", ""),
    ],
)
def test_mathtext(title: str, expected: str) -> None:
    assert mathtext(title) == expected


def test_injected_pseudo_data_say_so_with_energy_and_luminosity(tmp_path: Any, monkeypatch: Any) -> None:
    import ROOT
    from higgshunt.fit import plotting

    path = _with_kind(toy_file(tmp_path / "toy.root", 2), "pseudo_data_injected")
    handle = ROOT.TFile.Open(str(path), "UPDATE")
    ROOT.TParameter["double"]("lumi_fb", 36.0).Write()
    handle.Close()
    texts: list[str] = []

    def capture(fig: Any, stem: Any, formats: Any, dpi: int) -> list[Any]:
        for ax in fig.axes:
            legend = ax.get_legend()
            texts.extend(t.get_text() for t in ax.texts)
            if legend is not None:
                texts.extend(t.get_text() for t in legend.get_texts())
        return []

    monkeypatch.setattr(plotting, "save_figure", capture)
    options = FitOptions(hist=f"{path}:mass", mass_range=(100.0, 160.0), signal_mass=125.0, width=2.0)
    result, curves = fit_histogram(options)
    save_plot(curves, result, options, tmp_path)
    assert "Pseudo-data (signal injected)" in texts
    assert "\u221as = 13 TeV, 36 fb$^{-1}$" in texts
