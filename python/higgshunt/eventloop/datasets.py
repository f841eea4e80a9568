"""Finding ATLAS Open Data by dataset: the files of a DSID or physics short name in a skim, its normalisation
(cross-section, filter efficiency, k-factor, sum of weights), and for data the periods and their luminosity.

The catalogue is atlasopenmagic's (the Open Data project's client of its metadata service): online through
the package, or offline from a file it saved (`atlasopenmagic.save_metadata("file.json")`: a JSON object
whose keys are dataset numbers, lower-case physics short names and "data", each a record with
`dataset_number`, `physics_short`, `cross_section_pb`, `genFiltEff`, `kFactor`, `sumOfWeights`, `file_list`
(unskimmed files) and `skims` (a list of {`skim_type`, `file_list`})). File URLs are XRootD URLs on CERN's
EOS; the protocol option rewrites them as atlasopenmagic does (https: the Open Data portal; eos: the mount).

Data files name their period (2020: `data_A.4lep.root`; 2025: `..._data15_periodD.exactly4lep.root`), and the
luminosity of a data sample is that of its periods (`LUMINOSITY`), not the whole release's.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from higgshunt.errors import InputError
from higgshunt.eventloop.samples import Sample

log = logging.getLogger(__name__)

PROTOCOLS = ("root", "https", "eos")
# higgshunt's release names (`eventloop.releases`) -> atlasopenmagic's
CATALOGUE_RELEASES = {"2025e-13tev-beta": "2025e-13tev-beta", "2020-13tev": "2020e-13tev"}
DEFAULT_RELEASE = "2025e-13tev-beta"
DATA_KEY = "data"
_EOS_SERVER = "root://eospublic.cern.ch:1094/"
_HTTPS_SERVER = "https://opendata.cern.ch"


@dataclass(frozen=True)
class Luminosity:
    """The integrated luminosity of a release's data: in all and per period (None where not published)."""

    total_fb: float
    periods: Mapping[str, float | None]
    source: str


_PERIODS_2025 = [f"data15_period{p}" for p in "DEFGHJ"] + [f"data16_period{p}" for p in "ABCDEFGIKL"]
LUMINOSITY: dict[str, Luminosity] = {
    "2020-13tev": Luminosity(
        10.0,
        {"A": 0.5, "B": 1.9, "C": 2.9, "D": 4.7},
        "the 2020 release's official notebooks (13-TeV-examples, e.g. HZZAnalysis.ipynb: 'lumi = 0.5 # fb-1 "
        "# data_A only', ... 'lumi = 10 # fb-1 # data_A,data_B,data_C,data_D')",
    ),
    "2025e-13tev-beta": Luminosity(
        36.6,
        dict.fromkeys(_PERIODS_2025),  # the release publishes no per-period luminosity
        "the 2025 release's official H->4l and WZ notebooks (lumi = 36.6 fb^-1 for all periods)",
    ),
}
_PERIOD_2020 = re.compile(r"^data_([A-Z])\.")
_PERIOD_2025 = re.compile(r"(data1[56]_period[A-Z])", re.IGNORECASE)


def period_of(path: str) -> str | None:
    """The data period a file's name carries (`A` in 2020, `data15_periodD` in 2025), None for others."""
    name = path.rsplit("/", 1)[-1]
    match = _PERIOD_2020.match(name)
    if match:
        return match.group(1)
    match = _PERIOD_2025.search(name)
    if match:
        year, letter = match.group(1)[:6], match.group(1)[-1]
        return f"{year}_period{letter.upper()}"  # one file is spelt `data16_PeriodI`
    return None


def data_lumi_fb(files: Sequence[str], release: str) -> float | None:
    """The luminosity of data files from their periods; None when it cannot be told (unnamed period, a period
    of unpublished luminosity, or a release without a table), with a warning saying why."""
    table = LUMINOSITY.get(release)
    periods = {period_of(path) for path in files}
    if table is None or not files or None in periods:
        return None
    unknown = sorted(str(p) for p in periods if p not in table.periods)
    if unknown:
        log.warning("data periods %s are not periods of release %s", unknown, release)
        return None
    if periods == set(table.periods):
        return table.total_fb
    values = [table.periods[str(p)] for p in sorted(str(p) for p in periods)]
    if any(value is None for value in values):
        log.warning(
            "the luminosity of periods %s of release %s is not published: set the data sample's lumi_fb",
            sorted(str(p) for p in periods),
            release,
        )
        return None
    return float(sum(v for v in values if v is not None))


class Catalogue:
    """The metadata records of one release, by dataset number, lower-case physics short name or "data"."""

    def __init__(self, release: str, records: Mapping[str, Any] | None, source: str) -> None:
        self.release = release
        self.source = source
        self._records = dict(records) if records is not None else None  # None: asked online, one at a time

    @classmethod
    def from_file(cls, path: str | Path, release: str) -> Catalogue:
        """A metadata file saved with `atlasopenmagic.save_metadata` (JSON)."""
        try:
            records = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read the Open Data metadata file ({exc})") from exc
        if not isinstance(records, dict) or not all(isinstance(r, dict) for r in records.values()):
            raise InputError(
                f"{path}: expected a JSON object of dataset records, as atlasopenmagic.save_metadata writes"
            )
        return cls(release, records, str(path))

    @classmethod
    def online(cls, release: str) -> Catalogue:
        """The release's catalogue through atlasopenmagic (network access to its metadata service)."""
        try:
            import atlasopenmagic
        except ImportError:
            raise InputError(
                "finding datasets online needs the atlasopenmagic package; offline, give --metadata FILE "
                "(saved with atlasopenmagic.save_metadata)"
            ) from None
        try:
            atlasopenmagic.set_verbosity("error")
            atlasopenmagic.set_release(CATALOGUE_RELEASES[release])
        except Exception as exc:  # the package raises requests' and its own errors alike
            raise InputError(f"atlasopenmagic: cannot load release {release} ({_first_line(exc)})") from exc
        return cls(release, None, "atlasopenmagic")

    def record(self, key: str) -> dict[str, Any]:
        """The record of a dataset number, physics short name or "data"; an InputError naming the key."""
        wanted = str(key).strip().lower()
        if self._records is None:
            import atlasopenmagic

            try:
                return dict(atlasopenmagic.get_all_info(wanted))
            except Exception as exc:
                raise InputError(
                    f"--dataset {key}: not found in release {self.release} ({_first_line(exc)})"
                ) from None
        record = self._records.get(wanted)
        if record is None:
            known = sorted(k for k in self._records if k.isdigit() or k == DATA_KEY)
            raise InputError(
                f"--dataset {key}: not in release {self.release} according to {self.source} "
                f"(dataset numbers there: {', '.join(known[:10])}{', ...' if len(known) > 10 else ''})"
            )
        return dict(record)

    def urls(self, key: str, skim: str, protocol: str) -> list[str]:
        """The files of a dataset in a skim ("noskim": the unskimmed files), with the protocol's URLs."""
        if protocol not in PROTOCOLS:
            raise InputError(f"--protocol {protocol}: expected one of {', '.join(PROTOCOLS)}")
        record = self.record(key)
        by_skim = {"noskim": record.get("file_list") or []}
        by_skim.update({s["skim_type"]: s.get("file_list") or [] for s in record.get("skims") or []})
        files = by_skim.get(skim)
        if not files:
            available = sorted(name for name, listed in by_skim.items() if listed)
            raise InputError(
                f"--skim {skim}: dataset {key} of release {self.release} has no files in that skim "
                f"(skims with files: {', '.join(available) or 'none'})"
            )
        return [with_protocol(url, protocol) for url in files]


def with_protocol(url: str, protocol: str) -> str:
    """An EOS XRootD URL as the protocol reads it: root (as is), https (the portal) or eos (the mount)."""
    if not url.startswith(_EOS_SERVER) or protocol == "root":
        return url
    path = url[len(_EOS_SERVER) :]  # "/eos/opendata/..."
    return _HTTPS_SERVER + path if protocol == "https" else path


def catalogue(release: str, metadata: str | Path | None) -> Catalogue:
    """The catalogue of `release`: from a saved metadata file, else online."""
    if release not in CATALOGUE_RELEASES:
        raise InputError(f"--release {release}: expected one of {', '.join(CATALOGUE_RELEASES)}")
    return Catalogue.from_file(metadata, release) if metadata else Catalogue.online(release)


def resolve(
    requests: Iterable[str],
    *,
    skim: str,
    source: Catalogue,
    protocol: str = "root",
    periods: Sequence[str] | None = None,
) -> dict[str, Sample]:
    """Samples for `--dataset [NAME=]KEY[,KEY...]` requests (KEY: a DSID, a physics short name or "data").

    A sample of one simulated dataset carries its normalisation (cross-section x filter efficiency x k-factor,
    sum of weights); one of several takes them per event from the files' branches. A data sample carries the
    luminosity of its periods (`periods` keeps only those). The sample's name is NAME, else "data" or the
    physics short name.
    """
    samples: dict[str, Sample] = {}
    for request in requests:
        name, sep, listed = request.partition("=")
        keys = [k.strip() for k in (listed if sep else request).split(",") if k.strip()]
        if not keys:
            raise InputError(f"--dataset {request}: expected [NAME=]DSID_OR_NAME[,DSID_OR_NAME...]")
        records = [source.record(key) for key in keys]
        is_data = [_is_data(key, record) for key, record in zip(keys, records, strict=True)]
        if any(is_data) and not all(is_data):
            raise InputError(f"--dataset {request}: mixes data and simulated datasets in one sample")
        if not sep and len(keys) > 1:
            raise InputError(f"--dataset {request}: name a sample of several datasets (NAME=KEY,KEY...)")
        name = (
            name.strip()
            if sep
            else (DATA_KEY if is_data[0] else str(records[0].get("physics_short", keys[0])))
        )
        name = re.sub(r"\W", "_", name)
        if name in samples:
            raise InputError(f"--dataset {request}: sample '{name}' is given twice")
        files = [url for key in keys for url in source.urls(key, skim, protocol)]
        if is_data[0]:
            samples[name] = _data_sample(name, files, source.release, periods, request)
        else:
            samples[name] = _mc_sample(name, files, records)
    return samples


def merged(sample: Sample, found: Sample) -> Sample:
    """A resolved sample completed by what the catalogue knows of it (its files are the catalogue's)."""
    return replace(
        sample,
        kind="data" if found.is_data else sample.kind,
        dsid=sample.dsid if sample.dsid is not None else found.dsid,
        xsec_pb=sample.xsec_pb if sample.xsec_pb is not None else found.xsec_pb,
        sum_weights=sample.sum_weights if sample.sum_weights is not None else found.sum_weights,
        lumi_fb=sample.lumi_fb if sample.lumi_fb is not None else found.lumi_fb,
    )


def _is_data(key: str, record: Mapping[str, Any]) -> bool:
    return key.lower() == DATA_KEY or str(record.get("dataset_number", "")).lower() == DATA_KEY


def _data_sample(
    name: str, files: list[str], release: str, periods: Sequence[str] | None, request: str
) -> Sample:
    if periods:
        wanted = {p.strip() for p in periods}
        files = [path for path in files if period_of(path) in wanted]
        if not files:
            raise InputError(f"--dataset {request}: no data file of period(s) {sorted(wanted)} in this skim")
    return Sample(name, "data", tuple(files), dsid=0, lumi_fb=data_lumi_fb(files, release))


def _mc_sample(name: str, files: list[str], records: list[dict[str, Any]]) -> Sample:
    if len(records) > 1:  # several cross-sections: each file's own normalisation branches
        return Sample(name, "background", tuple(files))
    record = records[0]
    try:
        xsec = float(record["cross_section_pb"]) * float(record["genFiltEff"]) * float(record["kFactor"])
        sum_weights = float(record["sumOfWeights"])
        dsid = int(record["dataset_number"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"dataset {record.get('dataset_number')}: metadata record lacks a usable {exc} "
            "(cross_section_pb, genFiltEff, kFactor, sumOfWeights, dataset_number)"
        ) from None
    return Sample(name, "background", tuple(files), dsid, xsec, sum_weights)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
