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

from higgshunt.generation.isolation import flat, pairs

log = logging.getLogger(__name__)

# Truth flavour labels as in the release's jet_trueflav: 5 b, 4 c, 0 light.
FLAVOURS = (5, 4, 0)


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


def cluster(particles: ak.Array, radius: float) -> tuple[ak.Array, ak.Array]:
    """Anti-kt jets of particles with fields px, py, pz, e: returns (jets as px/py/pz/E records, their pT)."""
    import fastjet

    inputs = ak.zip({"px": particles.px, "py": particles.py, "pz": particles.pz, "E": particles.e})
    definition = fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    sequence = fastjet.ClusterSequence(inputs, definition)
    jets = sequence.inclusive_jets()
    return jets, np.hypot(jets.px, jets.py)


def reconstruct(
    particles: ak.Array, hadrons: ak.Array, config: dict[str, Any], rng: np.random.Generator
) -> tuple[JetCollection, JetCollection]:
    """Cluster, smear, label and tag jets.

    Args:
        particles: visible final-state particles that are not reconstructed as leptons or photons.
        hadrons: b- and c-hadrons per event (pt, eta, phi, flavour) for the ghost-free dR labelling.
        config: the `jets` section of the detector config.
        rng: the file's random generator.

    Returns:
        The reconstructed jets (pT > pt_min_gev), and the soft jets between soft_pt_min_gev and pt_min_gev,
        which are not written but can fake leptons (higgshunt.generation.fakes).
    """
    if len(particles) == 0:
        empty = ak.unflatten(np.zeros(0), np.zeros(0, dtype=np.int64))
        nothing = JetCollection(*(empty,) * 6, ak.values_astype(empty, np.int32), empty, empty)
        return nothing, nothing
    jets, true_pt = cluster(particles, float(config["radius"]))
    pt_min, soft_min = float(config["pt_min_gev"]), float(config["soft_pt_min_gev"])
    # Only jets that can pass the lower threshold after smearing are worth smearing.
    jets = jets[true_pt > 0.5 * soft_min]
    true_pt = np.hypot(jets.px, jets.py)
    eta = np.arcsinh(jets.pz / np.maximum(true_pt, 1e-9))
    phi = np.arctan2(jets.py, jets.px)
    energy = jets.E
    counts = ak.num(energy)
    flat_e = ak.to_numpy(ak.flatten(energy))
    res = config["energy_resolution"]
    sigma = np.sqrt((res["noise_gev"] / flat_e) ** 2 + res["stochastic"] ** 2 / flat_e + res["constant"] ** 2)
    scale = np.maximum(1.0 + sigma * rng.standard_normal(len(flat_e)), 0.0)
    scale = ak.unflatten(scale, counts)
    pt = true_pt * scale
    e = energy * scale
    central = abs(eta) < float(config["abs_eta_max"])

    def collection(selected: ak.Array) -> JetCollection:
        order = ak.argsort(pt[selected], ascending=False)

        def pick(values: ak.Array) -> ak.Array:
            return values[selected][order]

        jet_pt, jet_eta, jet_phi = pick(pt), pick(eta), pick(phi)
        flavour = _label(
            jet_eta, jet_phi, hadrons, float(config["label_dr"]), float(config["label_hadron_pt_min_gev"])
        )
        return JetCollection(
            pt=jet_pt,
            eta=jet_eta,
            phi=jet_phi,
            e=pick(e),
            jvt=_jvt(counts_of(jet_pt), rng),
            mv2c10=_btag_score(flavour, config["btag"], rng),
            trueflav=flavour,
            true_px=pick(jets.px),
            true_py=pick(jets.py),
        )

    return collection(central & (pt > pt_min)), collection(central & (pt > soft_min) & (pt <= pt_min))


def counts_of(values: ak.Array) -> np.ndarray:
    """Number of entries per event."""
    return ak.to_numpy(ak.num(values))


def _label(eta: ak.Array, phi: ak.Array, hadrons: ak.Array, dr_max: float, pt_min: float) -> ak.Array:
    # A jet is a b-jet if a b-hadron above pt_min lies within dr_max, else a c-jet for a c-hadron, else light
    # (the ATLAS cone labelling, with b taking precedence over c).
    hadrons = hadrons[hadrons.pt > pt_min]
    p = pairs(ak.zip({"eta": eta, "phi": phi}), hadrons)
    close = p.dr < dr_max
    flavour = flat(hadrons.flavour)[p.second]
    has_b = p.any(close & (flavour == 5))
    has_c = p.any(close & (flavour == 4))
    return ak.values_astype(ak.where(has_b, 5, ak.where(has_c, 4, 0)), np.int32)


def _btag_score(flavour: ak.Array, config: dict[str, Any], rng: np.random.Generator) -> ak.Array:
    flat = ak.to_numpy(ak.flatten(flavour))
    cut = float(config["working_point_cut"])
    efficiency = np.select(
        [flat == 5, flat == 4],
        [float(config["efficiency_b"]), float(config["efficiency_c"])],
        default=float(config["efficiency_light"]),
    )
    tagged = rng.random(len(flat)) < efficiency
    u = rng.random(len(flat))
    # Tagged jets pile up towards +1 and untagged ones towards -1, as the real MV2c10 distributions do.
    above = 1.0 - (1.0 - cut) * u**2
    below = -1.0 + (cut + 1.0) * u**2
    return ak.unflatten(np.where(tagged, above, below).astype(np.float32), ak.num(flavour))


def _jvt(counts: np.ndarray, rng: np.random.Generator) -> ak.Array:
    # Without pile-up every jet comes from the hard scatter: JVT close to 1.
    values = 1.0 - 0.1 * rng.random(int(counts.sum())) ** 2
    return ak.unflatten(values.astype(np.float32), counts)
