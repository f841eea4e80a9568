"""Jets: anti-kt R = 0.4 (fastjet) on visible final-state particles, energy resolution, flavour label, b-tag
score.

The b-tagging score imitates MV2c10: for each truth flavour a fraction equal to the configured efficiency at
the 77 % working point gets a score above the working point's cut, the rest below, so that a cut at the
working point reproduces the configured efficiency and mistag rates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.generation.flat import Flat
from higgshunt.generation.isolation import pairs

log = logging.getLogger(__name__)

# Truth flavour labels as in the release's jet_trueflav: 5 b, 4 c, 0 light.
FLAVOURS = (5, 4, 0)
# Fields of a reconstructed jet, in the order of `JetCollection`.
JET_FIELDS = ("pt", "eta", "phi", "e", "jvt", "mv2c10", "trueflav", "true_px", "true_py")


@dataclass(frozen=True)
class JetCollection:
    """Reconstructed jets per event (GeV), already sorted by pT and cut to the acceptance."""

    pt: ak.Array
    eta: ak.Array
    phi: ak.Array
    e: ak.Array
    jvt: ak.Array
    mv2c10: ak.Array
    trueflav: ak.Array
    true_px: ak.Array  # particle-level momentum, for the soft term of the missing E_T
    true_py: ak.Array

    @staticmethod
    def from_flat(jets: Flat) -> JetCollection:
        """The jets of a flat collection with the fields `JET_FIELDS`."""
        return JetCollection(*(jets.jagged(jets[name]) for name in JET_FIELDS))


def cluster(particles: ak.Array, radius: float, pt_min: float = 0.0) -> tuple[ak.Array, ak.Array]:
    """Anti-kt jets of particles with fields px, py, pz, e: returns (jets as px/py/pz/E records, their pT).

    Only jets with pT >= `pt_min` are returned (fastjet leaves the others in C++, which saves converting the
    many soft ones).
    """
    import fastjet

    inputs = ak.zip({"px": particles.px, "py": particles.py, "pz": particles.pz, "E": particles.e})
    definition = fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    sequence = fastjet.ClusterSequence(inputs, definition)
    jets = sequence.inclusive_jets(pt_min)
    return jets, np.hypot(jets.px, jets.py)


def reconstruct(
    particles: Flat, hadrons: Flat, config: dict[str, Any], rng: np.random.Generator
) -> tuple[Flat, Flat]:
    """Cluster, smear, label and tag jets.

    Args:
        particles: visible final-state particles that are not reconstructed as leptons or photons (fields
            px, py, pz, e).
        hadrons: b- and c-hadrons per event (pt, eta, phi, flavour) for the ghost-free dR labelling.
        config: the `jets` section of the detector config.
        rng: the file's random generator.

    Returns:
        The reconstructed jets (pT > pt_min_gev), and the soft jets between soft_pt_min_gev and pt_min_gev,
        which are not written but can fake leptons (higgshunt.generation.fakes); both with the fields
        `JET_FIELDS`, sorted by pT in each event.
    """
    if len(particles.counts) == 0:
        nothing = Flat({name: np.zeros(0) for name in JET_FIELDS}, np.zeros(0, dtype=np.int64))
        nothing = nothing.with_fields(trueflav=np.zeros(0, dtype=np.int32))
        return nothing, nothing
    pt_min, soft_min = float(config["pt_min_gev"]), float(config["soft_pt_min_gev"])
    inputs = Flat.from_awkward(
        cluster(particles.to_awkward(("px", "py", "pz", "e")), float(config["radius"]), 0.5 * soft_min)[0]
    )
    # Only jets that can pass the lower threshold after smearing are worth smearing.
    found = inputs.select(np.hypot(inputs["px"], inputs["py"]) > 0.5 * soft_min)
    px, py, pz, energy = found["px"], found["py"], found["pz"], found["E"]
    true_pt = np.hypot(px, py)
    eta = np.arcsinh(pz / np.maximum(true_pt, 1e-9))
    res = config["energy_resolution"]
    sigma = np.sqrt((res["noise_gev"] / energy) ** 2 + res["stochastic"] ** 2 / energy + res["constant"] ** 2)
    scale = np.maximum(1.0 + sigma * rng.standard_normal(len(energy)), 0.0)
    pt = true_pt * scale
    smeared = Flat(
        {
            "pt": pt,
            "eta": eta,
            "phi": np.arctan2(py, px),
            "e": energy * scale,
            "true_px": px,
            "true_py": py,
        },
        found.counts,
    )
    central = abs(eta) < float(config["abs_eta_max"])

    def collection(selected: np.ndarray) -> Flat:
        jets = smeared.select(selected).descending("pt")
        flavour = _label(jets, hadrons, float(config["label_dr"]), float(config["label_hadron_pt_min_gev"]))
        jvt = _jvt(jets.size, rng)
        return jets.with_fields(jvt=jvt, mv2c10=_btag_score(flavour, config["btag"], rng), trueflav=flavour)

    return collection(central & (pt > pt_min)), collection(central & (pt > soft_min) & (pt <= pt_min))


def _label(jets: Flat, hadrons: Flat, dr_max: float, pt_min: float) -> np.ndarray:
    # A jet is a b-jet if a b-hadron above pt_min lies within dr_max, else a c-jet for a c-hadron, else light
    # (the ATLAS cone labelling, with b taking precedence over c).
    hadrons = hadrons.select(hadrons["pt"] > pt_min)
    p = pairs(jets, hadrons)
    close = p.dr < dr_max
    flavour = hadrons["flavour"][p.second]
    has_b = p.any(close & (flavour == 5))
    has_c = p.any(close & (flavour == 4))
    return np.where(has_b, 5, np.where(has_c, 4, 0)).astype(np.int32)


def _btag_score(flavour: np.ndarray, config: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    cut = float(config["working_point_cut"])
    efficiency = np.select(
        [flavour == 5, flavour == 4],
        [float(config["efficiency_b"]), float(config["efficiency_c"])],
        default=float(config["efficiency_light"]),
    )
    tagged = rng.random(len(flavour)) < efficiency
    u = rng.random(len(flavour))
    # Tagged jets pile up towards +1 and untagged ones towards -1, as the real MV2c10 distributions do.
    above = 1.0 - (1.0 - cut) * u**2
    below = -1.0 + (cut + 1.0) * u**2
    return np.where(tagged, above, below).astype(np.float32)


def _jvt(n: int, rng: np.random.Generator) -> np.ndarray:
    # Without pile-up every jet comes from the hard scatter: JVT close to 1.
    return (1.0 - 0.1 * rng.random(n) ** 2).astype(np.float32)
