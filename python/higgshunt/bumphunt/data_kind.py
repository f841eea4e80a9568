"""What the bump hunt's data are, recorded in its ROOT file so the plots are labelled truthfully: open_data,
pseudo_data or simulation, found from the data sample's files as the skim does (`skim.data_kind_of`). Without
a data sample the "data" histograms are the Asimov data set (the sum of the simulated signal and background),
so fits give expected numbers.
"""

from __future__ import annotations

from higgshunt.eventloop.samples import Sample
from higgshunt.skim import SkimConfig, data_kind_of

AUTO = "auto"


def detect(setting: str, skim: SkimConfig, samples: list[Sample]) -> str:
    """The data kind: `setting` when it names one of KINDS, else (auto) found from the data sample's files."""
    if setting != AUTO:
        return setting
    return data_kind_of(samples, skim.manifest_path())
