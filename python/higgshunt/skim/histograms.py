"""Per-sample and cutflow histograms in `<output>/<channel>/histograms.root`, one directory per sample."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from higgshunt.errors import InputError
from higgshunt.outputs import atomic_output
from higgshunt.skim.cutflow import Cutflow, to_histograms

log = logging.getLogger(__name__)


def write(path: Path, sample: str, histograms: dict[str, Any], cutflow: Cutflow) -> None:
    """Replace the directory `<sample>` of the ROOT file at `path` with these histograms and the cutflow's."""
    import ROOT

    path = Path(path)
    with atomic_output(path) as tmp:
        if path.exists():
            shutil.copyfile(path, tmp)
        handle = ROOT.TFile.Open(str(tmp), "UPDATE")
        if not handle or handle.IsZombie():
            raise InputError(f"{path}: cannot update the histogram file; remove it")
        try:
            if handle.GetKey(sample):
                handle.Delete(f"{sample};*")
            directory = handle.mkdir(sample)
            directory.cd()
            for hist in [*histograms.values(), *to_histograms(cutflow)]:
                hist.Write(hist.GetName(), ROOT.TObject.kOverwrite)
        finally:
            handle.Close()


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
            hist = key.ReadObj()
            hist.SetDirectory(ROOT.nullptr)
            result[key.GetName()] = hist
        return result
    finally:
        handle.Close()
