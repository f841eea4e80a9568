"""Per-sample and cutflow histograms in `<output>/<channel>/histograms.root`, one directory per sample.

What the histograms are is recorded beside them (docs/plot_inputs.md, "plot_cutflow.C"): each sample
directory holds a TNamed `data_kind` (open_data, pseudo_data or simulation) and, when known, a
TParameter<double> `lumi_fb` (the luminosity its histograms are normalised to). The top level holds the same
two for the whole file (the kind by `data_kind.combined`, the luminosity when every sample agrees on one) and
a TNamed `provenance` (JSON) of the last run that wrote to the file; `macros/plot_cutflow.C` labels its plots
from the top-level objects.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from higgshunt.artifacts import root_files
from higgshunt.errors import InputError
from higgshunt.outputs import atomic_output
from higgshunt.skim import data_kind
from higgshunt.skim.cutflow import Cutflow, to_histograms

log = logging.getLogger(__name__)

TOP_LEVEL = ("data_kind", "lumi_fb", "provenance")


@dataclass(frozen=True)
class SampleRecord:
    """What one sample's histograms are: `kind` one of data_kind.KINDS, `lumi_fb` their luminosity (None:
    unknown), `provenance` of the run that made them (written at the top level of the file)."""

    kind: str
    lumi_fb: float | None
    provenance: dict[str, Any]


def write(
    path: Path, sample: str, histograms: dict[str, Any], cutflow: Cutflow, record: SampleRecord
) -> None:
    """Replace the directory `<sample>` of the ROOT file at `path` with these histograms, the cutflow's and
    the sample's record, and update the file's top-level record.

    Raises:
        OutputError: the file cannot be written, or does not read back with every histogram (ROOT only prints
            its write errors, so the written file is opened again before the rename).
    """
    import ROOT

    path = Path(path)
    if record.kind not in data_kind.KINDS:
        raise ValueError(f"data kind {record.kind!r} is not one of {data_kind.KINDS}")
    written = [*histograms.values(), *to_histograms(cutflow)]
    expected: dict[str, int | None] = {f"{sample}/{hist.GetName()}": None for hist in written}
    expected.update({f"{sample}/data_kind": None, "data_kind": None, "provenance": None})

    def verify(tmp: Path) -> None:
        root_files.check_written(tmp, path, expected)

    with atomic_output(path, verify=verify) as tmp, root_files.quiet_root():
        if path.exists():
            shutil.copyfile(path, tmp)
        handle = root_files.open_file(tmp, "UPDATE")
        if handle is None:
            raise InputError(f"{path}: cannot update the histogram file; remove it")
        try:
            if handle.GetKey(sample):
                handle.Delete(f"{sample};*")
            directory = handle.mkdir(sample)
            directory.cd()
            for hist in written:
                hist.Write(hist.GetName(), ROOT.TObject.kOverwrite)
            _write_record(directory, record.kind, record.lumi_fb)
            kinds, lumis = _sample_records(handle)
            lumi = lumis.pop() if len(lumis) == 1 else None
            if len(lumis) > 1:
                log.warning(
                    "%s: samples of different luminosities %s: no file-wide lumi_fb", path, sorted(lumis)
                )
            _write_record(handle, data_kind.combined(kinds), lumi)
            text = json.dumps(record.provenance, sort_keys=True, default=str)
            ROOT.TNamed("provenance", text).Write("provenance", ROOT.TObject.kOverwrite)
        finally:
            handle.Close()


def _write_record(directory: Any, kind: str, lumi_fb: float | None) -> None:
    """`data_kind` and `lumi_fb` in `directory`, replacing earlier ones (no `lumi_fb` when it is None)."""
    import ROOT

    directory.cd()
    ROOT.TNamed("data_kind", kind).Write("data_kind", ROOT.TObject.kOverwrite)
    directory.Delete("lumi_fb;*")
    if lumi_fb is not None:
        ROOT.TParameter["double"]("lumi_fb", lumi_fb).Write()


def _sample_records(handle: Any) -> tuple[set[str], set[float]]:
    """The data kinds and luminosities recorded in the file's sample directories (directories written before
    the record existed count as simulation of unknown luminosity)."""
    kinds, lumis = set(), set()
    for key in handle.GetListOfKeys():
        if not key.IsFolder():
            continue
        directory = handle.Get(key.GetName())  # the open directory (ReadObj would make a stale second copy)
        kind = directory.Get("data_kind")
        kinds.add(str(kind.GetTitle()) if kind else "simulation")
        lumi = directory.Get("lumi_fb")
        if lumi:
            lumis.add(float(lumi.GetVal()))
    return kinds, lumis


def read(path: Path, sample: str) -> dict[str, Any]:
    """The histograms of one sample (detached copies), keyed by name."""
    import ROOT

    handle = ROOT.TFile.Open(str(path), "READ")
    try:
        directory = handle.Get(sample)
        if not directory:
            raise InputError(f"{path}: no directory '{sample}'")
        result = {}
        for key in directory.GetListOfKeys():
            if key.GetName() in TOP_LEVEL:
                continue  # the sample's record, not a histogram
            hist = key.ReadObj()
            hist.SetDirectory(ROOT.nullptr)
            result[key.GetName()] = hist
        return result
    finally:
        handle.Close()
