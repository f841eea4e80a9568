"""`<bumphunt>/bumphunt.root`: the bump hunt's mass histograms per selection category, in the layout the ROOT
macro plot_stack.C reads (docs/plot_inputs.md); written by the bump hunt, read by its fits and the macros.

```
bumphunt.root
├── format_version   TParameter<int>      this module's FORMAT_VERSION
├── lumi_fb          TParameter<double>   optional
├── data_kind        TNamed               title open_data, pseudo_data, pseudo_data_injected or simulation
├── provenance       TNamed               JSON
└── <category>/      TDirectory           data, one TH1 + TNamed kind_<process> per process (backgrounds
                                          first, in stacking order), total_signal, total_background,
                                          optionally data_background_only (drawn pseudo-data)
```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt.artifacts.root_files import check_written, open_root, quiet_root, write_root
from higgshunt.errors import ArtifactError
from higgshunt.outputs import atomic_output

FILE_NAME = "bumphunt.root"
FORMAT_VERSION = 1
VERSION_KEY = "format_version"
DATA_KINDS = ("open_data", "pseudo_data", "pseudo_data_injected", "simulation")
OPTIONAL = ("data_background_only",)  # background-only pseudo-data beside pseudo-data with a signal
PROCESS_KINDS = ("signal", "background")
TOTALS = ("total_signal", "total_background")
_WHAT = "a bump-hunt histogram file (bumphunt.root)"


class CategoryHistogramsError(ArtifactError):
    """bumphunt.root is missing, unreadable, truncated, of another format version or incomplete."""


@dataclass(frozen=True)
class CategoryHistograms:
    """The histograms of a bump hunt.

    Attributes:
        categories: category name -> {"data", every process, "total_signal", "total_background"} -> TH1.
        kinds: process name -> "signal" or "background", in the config's order.
        lumi_fb: integrated luminosity in fb^-1 (None: not recorded, the plots show none).
        data_kind: what the data are: open_data, pseudo_data, pseudo_data_injected (pseudo-data with the
            simulated signal injected) or simulation (the Asimov data set).
        provenance: code and library versions and the config (JSON in the file).
    """

    categories: Mapping[str, Mapping[str, Any]]
    kinds: Mapping[str, str]
    lumi_fb: float | None
    data_kind: str
    provenance: Mapping[str, Any]

    def stacking_order(self) -> list[str]:
        """The processes, backgrounds first (the order plot_stack stacks them), else in config order."""
        return sorted(self.kinds, key=lambda name: self.kinds[name] != "background")

    def object_names(self) -> list[str]:
        """Every object of the file, "category/name" inside the category directories."""
        top = [VERSION_KEY, "data_kind", "provenance"] + (["lumi_fb"] if self.lumi_fb is not None else [])
        inside = ["data", *self.stacking_order(), *TOTALS, *(f"kind_{name}" for name in self.kinds)]
        return top + [
            f"{category}/{name}"
            for category, hists in self.categories.items()
            for name in inside + [n for n in OPTIONAL if n in hists]
        ]


def path(directory: str | Path) -> Path:
    """Where the bump hunt's histograms of the output folder `directory` are."""
    return Path(directory) / FILE_NAME


def histogram_spec(directory: str | Path, category: str, name: str) -> str:
    """The "FILE.root:category/name" of one histogram of the file in `directory` (as `higgshunt fit`
    reads it)."""
    return f"{path(directory)}:{category}/{name}"


def save(directory: str | Path, histograms: CategoryHistograms) -> Path:
    """Write `directory`/bumphunt.root under a temporary name, reopen it (not a zombie, not recovered, every
    object present) and rename it; returns its path.

    Raises:
        OutputError: the file cannot be written or does not read back whole (e.g. a full disk, where ROOT
            only prints a SysError).
    """
    target = path(directory)
    if histograms.data_kind not in DATA_KINDS:
        raise ValueError(f"data_kind {histograms.data_kind!r} is not one of {DATA_KINDS}")
    expected = histograms.object_names()
    with atomic_output(target, verify=lambda tmp: check_written(tmp, target, expected)) as tmp:
        write_root(tmp, target, lambda handle: _fill(handle, histograms))
    return target


def _fill(handle: Any, histograms: CategoryHistograms) -> None:
    import ROOT

    ROOT.TParameter["int"](VERSION_KEY, FORMAT_VERSION).Write()
    if histograms.lumi_fb is not None:
        ROOT.TParameter["double"]("lumi_fb", float(histograms.lumi_fb)).Write()
    ROOT.TNamed("data_kind", histograms.data_kind).Write()
    ROOT.TNamed("provenance", json.dumps(histograms.provenance, default=str)).Write()
    kinds = histograms.kinds
    for category, hists in histograms.categories.items():
        directory = handle.mkdir(category)
        directory.cd()
        for name in ("data", *histograms.stacking_order(), *TOTALS, *(n for n in OPTIONAL if n in hists)):
            hists[name].Write(name)
            if name in kinds:
                ROOT.TNamed(f"kind_{name}", kinds[name]).Write()
        handle.cd()


def load(directory: str | Path) -> CategoryHistograms:
    """The bump hunt's histograms in `directory` (detached from the file).

    Raises:
        CategoryHistogramsError: missing, not a ROOT file, truncated, of another format version, or an
            object of the layout missing or of the wrong type.
    """
    import ROOT

    source = path(directory)
    handle = open_root(source, CategoryHistogramsError, _WHAT)
    try:
        with quiet_root():
            _check_version(source, handle.Get(VERSION_KEY))
            data_kind = _title(source, handle, "data_kind")
            if data_kind not in DATA_KINDS:
                raise CategoryHistogramsError(
                    f"{source}: data_kind {data_kind!r} is not one of {', '.join(DATA_KINDS)}"
                )
            try:
                provenance = json.loads(_title(source, handle, "provenance"))
            except ValueError as exc:
                raise CategoryHistogramsError(f"{source}: provenance is not JSON ({exc})") from exc
            lumi = handle.Get("lumi_fb")
            categories: dict[str, dict[str, Any]] = {}
            kinds: dict[str, str] | None = None
            for key in handle.GetListOfKeys():
                cls = ROOT.TClass.GetClass(key.GetClassName())
                if cls and cls.InheritsFrom("TDirectory"):
                    found, category = _category(source, key.GetName(), key.ReadObj())
                    if kinds is not None and found != kinds:
                        raise CategoryHistogramsError(
                            f"{source}: category {key.GetName()!r} has the processes {found}, "
                            f"the others {kinds}"
                        )
                    kinds, categories[key.GetName()] = found, category
    finally:
        handle.Close()
    if kinds is None:
        raise CategoryHistogramsError(f"{source}: no category directory in the file")
    return CategoryHistograms(
        categories=categories,
        kinds=kinds,
        lumi_fb=float(lumi.GetVal()) if lumi else None,
        data_kind=data_kind,
        provenance=provenance,
    )


def _check_version(source: Path, found: Any) -> None:
    version = int(found.GetVal()) if found and found.ClassName() == "TParameter<int>" else None
    if version != FORMAT_VERSION:
        raise CategoryHistogramsError(
            f"{source}: {_WHAT} of format version {version!r}, this higgshunt reads version "
            f"{FORMAT_VERSION}; rewrite it with this version's command"
        )


def _title(source: Path, directory: Any, name: str) -> str:
    import ROOT

    found = directory.Get(name)
    if not found or not isinstance(found, ROOT.TNamed):
        raise CategoryHistogramsError(f"{source}: no TNamed {name!r} in {directory.GetPath()}")
    return str(found.GetTitle())


def _category(source: Path, name: str, directory: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """(process -> kind, in the order written; name -> detached TH1) of one category directory."""
    import ROOT

    kinds = {}
    for key in directory.GetListOfKeys():
        if key.GetName().startswith("kind_"):
            kind = _title(source, directory, key.GetName())
            if kind not in PROCESS_KINDS:
                raise CategoryHistogramsError(
                    f"{source}: {name}/{key.GetName()} is {kind!r}, expected signal or background"
                )
            kinds[key.GetName().removeprefix("kind_")] = kind
    histograms = {}
    for hist_name in ("data", *kinds, *TOTALS):
        hist = directory.Get(hist_name)
        if not hist or not isinstance(hist, ROOT.TH1):
            raise CategoryHistogramsError(f"{source}: no histogram {name}/{hist_name} (expected a TH1)")
        hist.SetDirectory(ROOT.nullptr)
        histograms[hist_name] = hist
    for hist_name in OPTIONAL:
        hist = directory.Get(hist_name)
        if hist and isinstance(hist, ROOT.TH1):
            hist.SetDirectory(ROOT.nullptr)
            histograms[hist_name] = hist
    return kinds, histograms
