"""The fit plot: data, signal + background fit, background, and the pulls per bin (PNG and PDF); the data
labelled for what they are (real data, pseudo-data with or without injected signal, the Asimov data set),
with sqrt(s) and the luminosity."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from higgshunt.artifacts.fit_result import FitResult
from higgshunt.artifacts.root_files import open_root, quiet_root
from higgshunt.errors import InputError
from higgshunt.fit.options import FitOptions
from higgshunt.fit.spectrum import Spectrum, parse_spec
from higgshunt.plotting import draw_data_label, save_figure

log = logging.getLogger(__name__)

PLOT_STEM = "fit"  # the plot files: fit.png and fit.pdf


@dataclass(frozen=True)
class FitCurves:
    """Numbers for the plot: spectrum, expected counts per bin, smooth curves (events per bin width)."""

    spectrum: Spectrum
    expected: np.ndarray
    grid: np.ndarray
    total: np.ndarray
    background: np.ndarray
    background_only: np.ndarray


PULL_LIMIT = 4.0
SQRT_S_TEV = 13.0  # the ATLAS Open Data 13 TeV releases and the simulation made like them
# The legend entry of the fitted points per data kind (bumphunt.root's `data_kind`; no kind: real data).
DATA_LEGEND = {
    "open_data": "Data",
    "pseudo_data": "Pseudo-data",
    "pseudo_data_injected": "Pseudo-data (signal injected)",
    "simulation": "Asimov data (simulation)",
}


def energy_and_luminosity(hist: str) -> str:
    """The text "sqrt(s) = 13 TeV, L fb^-1", the luminosity from the `lumi_fb` parameter the bump
    hunt writes beside the histogram (omitted when the file has none)."""
    import ROOT

    path, _ = parse_spec(hist)
    text = f"\u221as = {SQRT_S_TEV:g} TeV"  # the plain root sign: the ATLAS style's fonts lack mathtext's
    try:
        handle = open_root(path, InputError, "a ROOT file")
    except InputError:
        return text
    try:
        with quiet_root():
            lumi = handle.Get("lumi_fb")
        if lumi and isinstance(lumi, ROOT.TParameter["double"]):
            text += f", {lumi.GetVal():.3g} fb$^{{-1}}$"
    finally:
        handle.Close()
    return text


def save_plot(curves: FitCurves, result: FitResult, options: FitOptions, output: Path) -> list[Path]:
    """Write `output`/fit.png and fit.pdf; returns their paths.

    Raises:
        OutputError: a plot cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep

    spectrum = curves.spectrum
    per_bin = float(np.median(spectrum.widths))
    scale = per_bin / spectrum.widths  # counts per typical bin width, for non-uniform bins
    with plt.style.context(hep.style.ATLAS):
        fig, (top, bottom) = plt.subplots(
            2, 1, sharex=True, figsize=(8, 7), gridspec_kw={"height_ratios": [3, 1], "hspace": 0.05}
        )
        # sqrt(sum w^2): the Poisson error for unweighted data, the right one for a weighted histogram
        variance = spectrum.sumw2 if spectrum.sumw2 is not None else spectrum.counts
        lower = np.where(spectrum.counts > 0, np.sqrt(np.maximum(variance, 0.0)), 0.0)
        top.errorbar(
            spectrum.centers,
            spectrum.counts * scale,
            yerr=lower * scale,
            fmt="ko",
            markersize=4,
            label=DATA_LEGEND.get(spectrum.data_kind or "open_data", "Data"),
        )
        top.plot(curves.grid, curves.total, "r-", label=f"Signal + background ({options.signal})")
        top.plot(curves.grid, curves.background, "b--", label=f"Background ({options.background})")
        top.plot(curves.grid, curves.background_only, ":", color="gray", label="Background-only fit")
        unit = spectrum.title.rpartition("[")[2].rstrip("]").strip() if "[" in spectrum.title else ""
        top.set_ylabel(f"Events / {per_bin:.3g} {unit}".rstrip())
        top.set_ylim(0, 1.7 * max(float(np.max(spectrum.counts * scale)), float(np.max(curves.total))))
        z = result.significance_local
        prefit = "" if result.z_expected is None else f"$Z_{{exp,\\ pre-fit}}$ = {result.z_expected:.2f}, "
        lines = [
            f"$m$ = {result.mass:.2f} $\\pm$ {result.mass_err:.2f}, $N_s$ = {result.signal_yield:.1f} "
            f"$\\pm$ {result.signal_yield_err:.1f}",
            f"{prefit}$Z_{{obs,\\ local}}$ = {z['mass_floating']:.2f} (fixed mass {z['mass_fixed']:.2f})",
            f"$Z_{{post-fit\\ Asimov}}$ = {result.significance_postfit_asimov:.2f}, "
            f"$\\chi^2$/ndf = {result.chi2:.1f}/{result.ndf}",
        ]
        if not result.quality["ok"]:
            lines.append("FIT FAILED quality gates: no significance to quote")
        top.legend(loc="upper right", bbox_to_anchor=(1.0, 0.89), fontsize="x-small")
        # labels top left: what the data are, sqrt(s) and luminosity, then the fit's numbers
        draw_data_label(top, spectrum.data_kind or "open_data")
        top.text(0.05, 0.87, energy_and_luminosity(options.hist), transform=top.transAxes, va="top")
        top.text(0.05, 0.80, "\n".join(lines), transform=top.transAxes, va="top", fontsize="x-small")
        expected = curves.expected
        pulls = np.where(
            expected > 0, (spectrum.counts - expected) / np.sqrt(np.maximum(expected, 1e-12)), 0.0
        )
        clipped = np.abs(pulls) > PULL_LIMIT  # drawn at the edge and marked with a triangle
        pulls = np.clip(pulls, -PULL_LIMIT, PULL_LIMIT)
        bottom.bar(spectrum.centers, pulls, width=spectrum.widths, color="steelblue", edgecolor="none")
        bottom.plot(
            spectrum.centers[clipped],
            np.sign(pulls[clipped]) * 0.9 * PULL_LIMIT,
            "r^",
            markersize=5,
            label=f"|pull| > {PULL_LIMIT:g}",
        )
        bottom.axhline(0.0, color="k", linewidth=0.8)
        bottom.set_ylabel("Pull")
        bottom.set_ylim(-PULL_LIMIT, PULL_LIMIT)
        bottom.set_xlabel(mathtext(spectrum.title) or "Mass")
        bottom.set_xlim(spectrum.edges[0], spectrum.edges[-1])
        try:
            paths = save_figure(fig, output / PLOT_STEM, ("png", "pdf"), dpi=120)
        finally:
            plt.close(fig)
    return paths


def mathtext(title: str) -> str:
    """A ROOT (TLatex) axis title for matplotlib: "m_{4l} [GeV]" -> "$m_{4l}$ [GeV]", "#gamma" -> "$\\gamma$".

    The unit in brackets at the end stays plain text; titles without TLatex markup are returned unchanged.
    """
    text, bracket, unit = title.partition(" [")
    if not any(mark in text for mark in "_^#{"):
        return title
    latex = text.replace("#", "\\")
    return f"${latex}$" + (f" [{unit}" if bracket else "")


def save_scan_plot(result: FitResult, spectrum: Spectrum, output: Path) -> list[Path]:
    """Write `output`/scan.png and scan.pdf: local p0 versus the mass hypothesis (log scale), with the 1-5
    sigma lines and the global significance over the scanned range.

    Raises:
        OutputError: a plot cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep
    from scipy import stats

    assert result.scan is not None and result.look_elsewhere is not None
    masses = [point["mass"] for point in result.scan]
    p0 = [max(point["p0_local"], 1e-300) for point in result.scan]
    with plt.style.context(hep.style.ATLAS):
        fig, ax = plt.subplots(figsize=(8, 6))
        ax.semilogy(masses, p0, "k-", label="Observed local $p_0$")
        for sigma in range(1, 6):
            level = float(stats.norm.sf(sigma))
            if level > min(p0) / 10:
                ax.axhline(level, color="red", linestyle=":", linewidth=0.8)
                ax.text(masses[-1], level, f"{sigma}$\\sigma$", color="red", va="bottom", ha="right")
        ax.set_xlabel(mathtext(spectrum.title) or "Mass")
        ax.set_ylabel("Local $p_0$")
        ax.set_ylim(min(p0) / 10, 1.5)
        look = result.look_elsewhere
        ax.legend(
            loc="lower left",
            title=(
                f"Z local max {look['z_local_max']:.2f} at {look['min_p0_mass']:.4g}\n"
                f"Z global {look['significance_global']:.2f} ({look['n_toys']} toys)"
            ),
            title_fontsize="small",
        )
        try:
            paths = save_figure(fig, output / "scan", ("png", "pdf"), dpi=120)
        finally:
            plt.close(fig)
    return paths
