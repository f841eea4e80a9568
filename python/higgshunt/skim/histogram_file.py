"""Per-sample and cutflow histograms in `<output>/<channel>/histograms.root`, one directory per sample."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from higgshunt.artifacts import root_files
from higgshunt.errors import InputError
from higgshunt.outputs import atomic_output
from higgshunt.skim.cutflow import Cutflow, to_histograms

log = logging.getLogger(__name__)


def write(path: Path, sample: str, histograms: dict[str, Any], cutflow: Cutflow) -> None:
    """Replace the directory `<sample>` of the ROOT file at `path` with these histograms and the cutflow's.

    Raises:
        OutputError: the file cannot be written, or does not read back with every histogram (ROOT only prints
            its write errors, so the written file is opened again before the rename).
    """
    import ROOT

    path = Path(path)
    written = [*histograms.values(), *to_histograms(cutflow)]
    expected: dict[str, int | None] = {f"{sample}/{hist.GetName()}": None for hist in written}

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
