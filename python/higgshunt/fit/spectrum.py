"""The mass histograms a fit reads: `FILE.root:NAME` -> bin edges and contents inside the fit range."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from higgshunt.artifacts.root_files import open_root, quiet_root
from higgshunt.errors import ConfigError, InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spectrum:
    """A 1D histogram restricted to the fit range.

    Attributes:
        source: "FILE.root:NAME" it was read from.
        edges: bin edges (n + 1), a subset of the histogram's edges.
        counts: bin contents (n); weighted histograms keep their weights.
        title: the histogram's x-axis title (for plots).
        data_kind: what the data are, from a TNamed `data_kind` at the top of the file (open_data,
            pseudo_data or simulation, as the bump hunt writes it); None when the file does not say.
        sumw2: sums of squared weights per bin (the squared bin errors of a histogram with Sumw2, else the
            contents); None when unknown.
    """

    source: str
    edges: np.ndarray
    counts: np.ndarray
    title: str
    data_kind: str | None = None
    sumw2: np.ndarray | None = None

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.edges)


def parse_spec(spec: str) -> tuple[Path, str]:
    """Split "FILE.root:NAME" (NAME may contain directories, "dir/hist")."""
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ConfigError(f"histogram {spec!r}: expected FILE.root:HISTNAME")
    return Path(path), name


def histogram_names(directory: Any, prefix: str = "") -> list[str]:
    """Names (with their directories) of every TH1 in a ROOT file or directory."""
    import ROOT

    names = []
    for key in directory.GetListOfKeys():
        cls = ROOT.TClass.GetClass(key.GetClassName())
        if cls and cls.InheritsFrom("TDirectory"):
            names += histogram_names(key.ReadObj(), f"{prefix}{key.GetName()}/")
        elif cls and cls.InheritsFrom("TH1"):
            names.append(prefix + key.GetName())
    return sorted(set(names))


def read_spectrum(spec: str, mass_range: tuple[float, float]) -> Spectrum:
    """Read the histogram `spec` and keep the bins inside `mass_range`.

    The range is moved inwards to the nearest bin edges (with a warning) so that only whole bins are fitted.

    Raises:
        ConfigError: a mass range that is not inside the histogram's range or holds fewer than 3 whole bins.
        InputError: missing, unreadable or truncated file; no such histogram (the message lists the ones
            that exist); not a 1D histogram; a NaN or infinite bin, negative contents, or all bins zero in
            range.
    """
    import ROOT

    path, name = parse_spec(spec)
    handle = open_root(path, InputError, f"a ROOT file holding the histogram {name!r}")
    try:
        with quiet_root():
            hist = handle.Get(name)
        if not hist:
            available = ", ".join(histogram_names(handle)) or "none"
            raise InputError(f"{path}: no histogram {name!r} (histograms in the file: {available})")
        if not isinstance(hist, ROOT.TH1) or hist.GetDimension() != 1:
            raise InputError(f"{spec}: is a {hist.ClassName()}, expected a 1D histogram (TH1)")
        n = hist.GetNbinsX()
        edges = np.array([hist.GetXaxis().GetBinLowEdge(i) for i in range(1, n + 2)])
        counts = np.array([hist.GetBinContent(i) for i in range(1, n + 1)])
        weighted = hist.GetSumw2N() > 0
        sumw2 = np.array([hist.GetBinError(i) ** 2 if weighted else counts[i - 1] for i in range(1, n + 1)])
        title = str(hist.GetXaxis().GetTitle())
        kind = handle.Get("data_kind")
        data_kind = str(kind.GetTitle()) if kind and isinstance(kind, ROOT.TNamed) else None
    finally:
        handle.Close()
    spectrum = _restrict(spec, edges, counts, title, mass_range)
    first = int(np.searchsorted(edges, spectrum.edges[0]))
    return dataclasses.replace(
        spectrum, data_kind=data_kind, sumw2=sumw2[first : first + len(spectrum.counts)].astype(np.float64)
    )


def _restrict(
    spec: str, edges: np.ndarray, counts: np.ndarray, title: str, mass_range: tuple[float, float]
) -> Spectrum:
    lo, hi = mass_range
    tolerance = 1e-9 * max(abs(lo), abs(hi), 1.0)
    if lo < edges[0] - tolerance or hi > edges[-1] + tolerance:
        raise ConfigError(
            f"{spec}: the mass range [{lo}, {hi}] is not inside the histogram's range "
            f"[{edges[0]}, {edges[-1]}]"
        )
    first = int(np.searchsorted(edges, lo - tolerance))
    last = int(np.searchsorted(edges, hi + tolerance, side="right")) - 1
    if last - first < 3:
        raise ConfigError(
            f"{spec}: fewer than 3 whole bins in the mass range [{lo}, {hi}] "
            f"(histogram range [{edges[0]}, {edges[-1]}], {len(counts)} bins)"
        )
    kept = edges[first : last + 1]
    if abs(kept[0] - lo) > tolerance or abs(kept[-1] - hi) > tolerance:
        log.warning(
            "%s: mass range [%g, %g] moved to the bin edges [%g, %g]", spec, lo, hi, kept[0], kept[-1]
        )
    inside = counts[first:last]
    if not np.all(np.isfinite(inside)):
        bad = first + int(np.flatnonzero(~np.isfinite(inside))[0])
        raise InputError(
            f"{spec}: bin {bad + 1} [{edges[bad]}, {edges[bad + 1]}] holds {inside[bad - first]}; a "
            "likelihood fit needs finite counts"
        )
    if np.any(inside < 0):
        raise InputError(
            f"{spec}: negative bin contents in [{kept[0]}, {kept[-1]}]; a likelihood fit needs counts"
        )
    if not np.any(inside > 0):
        raise InputError(f"{spec}: the histogram is empty (all bins zero) in [{kept[0]}, {kept[-1]}]")
    return Spectrum(source=spec, edges=kept.copy(), counts=inside.astype(np.float64), title=title)
