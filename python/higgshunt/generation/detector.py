"""Parametrised ATLAS-like detector response: truth particles in, reconstructed objects out (GeV, mm).

Electrons and photons are calorimeter clusters (photons within `cluster_dr` join them) with a sampling/noise/
constant-term energy resolution; muons get a pT resolution from the spectrometer and inner detector.
Efficiencies are tabulated in pT; tight identification and truth matching depend on whether the particle comes
from a hadron decay. Isolation sums, impact parameters, jets and the missing transverse momentum are computed
from the particles of the event. All numbers come from configs/detector.yaml; all randomness from the
generator passed in.
"""

from __future__ import annotations

import logging
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.generation import jets as jet_response
from higgshunt.generation.isolation import cone_sum, flat, pairs, transverse_energy
from higgshunt.generation.pythia_events import TruthBatch

log = logging.getLogger(__name__)

ELECTRON, MUON, PHOTON = 11, 13, 22
MUON_MASS_GEV = 0.1056583755


def simulate(batch: TruthBatch, config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Reconstruct one batch of filtered events.

    Returns:
        A mapping with record arrays `leptons`, `photons` (sorted by pT), `jets` and `soft_jets` (below the
        jet threshold, not written; JetCollections), and numpy arrays `met_et`, `met_phi` (GeV) per event.
    """
    particles = batch.particles
    particles = ak.with_field(particles, transverse_energy(particles), "et")
    electrons = _electrons(particles, config["electrons"], rng)
    muons = _muons(particles, config["muons"], rng)
    photons = _photons(particles, config["photons"], rng)

    leptons = ak.concatenate([electrons, muons], axis=1)
    leptons = leptons[ak.argsort(leptons.pt, ascending=False)]
    leptons = _lepton_properties(leptons, particles, config, rng)
    photons = photons[ak.argsort(photons.pt, ascending=False)]
    photons = _photon_properties(photons, particles, config, rng)

    jet_inputs = particles[_jet_input_mask(particles, electrons, photons, config)]
    jets, soft_jets = jet_response.reconstruct(jet_inputs, batch.heavy_hadrons, config["jets"], rng)
    met_et, met_phi = _missing_et(jet_inputs, electrons, muons, photons, jets, config, rng)
    return {
        "leptons": leptons,
        "photons": photons,
        "jets": jets,
        "soft_jets": soft_jets,
        "met_et": met_et,
        "met_phi": met_phi,
    }


def efficiency(pt: ak.Array, table: dict[str, list[float]]) -> ak.Array:
    """Efficiency of each object from a table binned in pT (0 below the first edge, the last value above)."""
    flat = ak.to_numpy(ak.flatten(pt, axis=None))
    edges = np.asarray(table["pt_edges_gev"], dtype=float)
    values = np.concatenate([[0.0], np.asarray(table["values"], dtype=float)])
    eff = values[np.searchsorted(edges, flat, side="right")]
    return ak.unflatten(eff, ak.num(pt)) if pt.ndim > 1 else eff


def calorimeter_resolution(energy: Any, eta: Any, res: dict[str, float]) -> Any:
    """Relative energy resolution sigma_E/E = a/sqrt(E) (+) b/E (+) c, with a larger a in the endcaps."""
    stochastic = np.where(np.abs(eta) < 1.37, res["stochastic_barrel"], res["stochastic_endcap"])
    return np.sqrt(stochastic**2 / energy + (res["noise_gev"] / energy) ** 2 + res["constant"] ** 2)


def muon_resolution(pt: Any, eta: Any, res: dict[str, float]) -> Any:
    """Relative pT resolution sigma_pT/pT = p0 (+) p1 pT, separately for barrel and endcap."""
    barrel = np.abs(eta) < res["barrel_abs_eta_max"]
    p0 = np.where(barrel, res["p0_barrel"], res["p0_endcap"])
    p1 = np.where(barrel, res["p1_barrel_per_gev"], res["p1_endcap_per_gev"])
    return np.hypot(p0, p1 * pt)


def _gaussian_scale(sigma: ak.Array, rng: np.random.Generator) -> ak.Array:
    flat = ak.to_numpy(ak.flatten(sigma))
    scale = np.maximum(1.0 + flat * rng.standard_normal(len(flat)), 1e-3)
    return ak.unflatten(scale, ak.num(sigma))


def _bernoulli(probability: ak.Array, rng: np.random.Generator) -> ak.Array:
    flat = ak.to_numpy(ak.flatten(probability))
    return ak.unflatten(rng.random(len(flat)) < flat, ak.num(probability))


def in_acceptance(pt: Any, eta: Any, cfg: dict[str, Any]) -> Any:
    """Inside the object's pT threshold and eta range, outside the calorimeter crack where it has one."""
    ok = (pt > cfg["pt_min_gev"]) & (abs(eta) < cfg["abs_eta_max"])
    if "crack_abs_eta" in cfg:
        low, high = cfg["crack_abs_eta"]
        ok = ok & ~((abs(eta) > low) & (abs(eta) < high))
    return ok


def _cluster_energy(seeds: ak.Array, particles: ak.Array, dr: float) -> ak.Array:
    photons = particles[particles.id == PHOTON]
    return seeds.e + cone_sum(seeds, photons, "e", dr)


def _electrons(particles: ak.Array, cfg: dict[str, Any], rng: np.random.Generator) -> ak.Array:
    cand = particles[abs(particles.id) == ELECTRON]
    energy = _cluster_energy(cand, particles, cfg["cluster_dr"])
    energy = energy * _gaussian_scale(calorimeter_resolution(energy, cand.eta, cfg["energy_resolution"]), rng)
    cand = ak.with_field(cand, energy, "reco_e")
    cand = ak.with_field(cand, energy / np.cosh(cand.eta), "reco_pt")
    return _select(cand, cfg, rng, ELECTRON)


def _muons(particles: ak.Array, cfg: dict[str, Any], rng: np.random.Generator) -> ak.Array:
    cand = particles[abs(particles.id) == MUON]
    pt = cand.pt * _gaussian_scale(muon_resolution(cand.pt, cand.eta, cfg["momentum_resolution"]), rng)
    cand = ak.with_field(cand, pt, "reco_pt")
    cand = ak.with_field(cand, np.sqrt((pt * np.cosh(cand.eta)) ** 2 + MUON_MASS_GEV**2), "reco_e")
    return _select(cand, cfg, rng, MUON)


def _photons(particles: ak.Array, cfg: dict[str, Any], rng: np.random.Generator) -> ak.Array:
    photons = particles[particles.id == PHOTON]
    seeds = photons[photons.pt > 0.5 * cfg["pt_min_gev"]]
    # A photon next to an electron belongs to the electron's cluster; a photon next to a harder photon belongs
    # to
    # that photon's cluster (this merges the two photons of a boosted pi0 into one candidate, as the
    # calorimeter).
    with_electron = pairs(seeds, particles[abs(particles.id) == ELECTRON])
    with_photon = pairs(seeds, photons)
    harder = flat(photons.pt)[with_photon.second] > flat(seeds.pt)[with_photon.first]
    absorbed = with_electron.any(with_electron.dr < cfg["cluster_dr"]) | with_photon.any(
        (with_photon.dr < cfg["cluster_dr"]) & harder
    )
    seeds = seeds[~absorbed]
    energy = _cluster_energy(seeds, particles, cfg["cluster_dr"])
    energy = energy * _gaussian_scale(
        calorimeter_resolution(energy, seeds.eta, cfg["energy_resolution"]), rng
    )
    seeds = ak.with_field(seeds, energy, "reco_e")
    seeds = ak.with_field(seeds, energy / np.cosh(seeds.eta), "reco_pt")
    return _select(seeds, cfg, rng, PHOTON)


def _select(cand: ak.Array, cfg: dict[str, Any], rng: np.random.Generator, kind: int) -> ak.Array:
    eff = efficiency(cand.reco_pt, cfg["efficiency"])
    eff = ak.where(cand.from_hadron, eff * cfg["non_prompt_efficiency_factor"], eff)
    if "central_gap" in cfg:
        gap = cfg["central_gap"]
        eff = ak.where(abs(cand.eta) < gap["abs_eta_max"], eff * gap["efficiency_factor"], eff)
    keep = in_acceptance(cand.reco_pt, cand.eta, cfg) & _bernoulli(eff, rng)
    cand = cand[keep]
    tight = ak.where(cand.from_hadron, cfg["tight_id"]["non_prompt"], cfg["tight_id"]["prompt"])
    fields = {
        "index": cand.index,
        "kind": ak.values_astype(abs(cand.id), np.uint32),
        "charge": ak.values_astype(cand.charge, np.int32),
        "pt": cand.reco_pt,
        "eta": cand.eta,
        "phi": cand.phi,
        "e": cand.reco_e,
        "truth_matched": ~cand.from_hadron,
        "tight": _bernoulli(tight, rng),
        "trig_matched": cand.reco_pt > np.min(cfg["trigger_pt_min_gev"]),
        # truth quantities the impact parameters need
        "true_px": cand.px,
        "true_py": cand.py,
        "true_pz": cand.pz,
        "vx": cand.vx,
        "vy": cand.vy,
        "vz": cand.vz,
    }
    return ak.zip(fields)


def _isolation(
    objects: ak.Array, particles: ak.Array, config: dict[str, Any], rng: np.random.Generator
) -> tuple[ak.Array, ak.Array]:
    iso = config["isolation"]
    tracks = particles[
        (particles.charge != 0)
        & (particles.pt > iso["ptcone_track_pt_min_gev"])
        & (abs(particles.eta) < iso["track_abs_eta_max"])
    ]
    ptcone = cone_sum(objects, tracks, "pt", iso["ptcone_dr"])
    # Muons cross the calorimeter as minimum-ionising particles: their energy is not counted.
    calo = particles[(abs(particles.id) != MUON) & (abs(particles.eta) < iso["calo_abs_eta_max"])]
    etcone = cone_sum(objects, calo, "et", iso["etcone_dr"], r_min=iso["etcone_core_dr"])
    noise = ak.unflatten(
        iso["etcone_noise_gev"] * rng.standard_normal(int(ak.sum(ak.num(objects)))), ak.num(objects)
    )
    return ptcone, etcone + noise


def _lepton_properties(
    leptons: ak.Array, particles: ak.Array, config: dict[str, Any], rng: np.random.Generator
) -> ak.Array:
    ptcone, etcone = _isolation(leptons, particles, config, rng)
    d0, d0_sig, z0 = _impact_parameters(leptons, config["tracks"], rng)
    for name, values in (
        ("ptcone30", ptcone),
        ("etcone20", etcone),
        ("d0", d0),
        ("d0_sig", d0_sig),
        ("z0", z0),
    ):
        leptons = ak.with_field(leptons, values, name)
    return leptons


def _photon_properties(
    photons: ak.Array, particles: ak.Array, config: dict[str, Any], rng: np.random.Generator
) -> ak.Array:
    ptcone, etcone = _isolation(photons, particles, config, rng)
    converted = _bernoulli(ak.full_like(photons.pt, config["photons"]["conversion_fraction"]), rng)
    for name, values in (
        ("ptcone30", ptcone),
        ("etcone20", etcone),
        ("conv_type", ak.values_astype(converted, np.int32)),
        ("trig_matched", photon_trigger_matched(photons, config["photons"])),
    ):
        photons = ak.with_field(photons, values, name)
    return photons


def photon_trigger_matched(photons: ak.Array, cfg: dict[str, Any]) -> ak.Array:
    """Per photon (sorted by pT): the diphoton trigger fired and this photon is above its lower threshold."""
    lead, sublead = cfg["trigger_pt_min_gev"]
    pts = ak.pad_none(photons.pt, 2)
    fired = ak.to_numpy(ak.fill_none((pts[:, 0] > lead) & (pts[:, 1] > sublead), False))
    return (photons.pt > sublead) & fired


def _impact_parameters(
    leptons: ak.Array, cfg: dict[str, float], rng: np.random.Generator
) -> tuple[ak.Array, ak.Array, ak.Array]:
    """Transverse (d0) and longitudinal (z0) impact parameters of straight tracks from the production vertex.

    The primary vertex is Pythia's origin. Pythia's vertices are in mm, so are the results. Straight lines are
    enough: the displacement of b/c decays (mm) is tiny against the track's radius of curvature (metres).
    """
    pt = np.hypot(leptons.true_px, leptons.true_py)
    d0_true = (leptons.vx * leptons.true_py - leptons.vy * leptons.true_px) / pt
    z0_true = (
        leptons.vz - leptons.true_pz / pt * (leptons.vx * leptons.true_px + leptons.vy * leptons.true_py) / pt
    )
    sigma_d0, sigma_z0 = track_resolutions(pt, leptons.eta, leptons.kind == ELECTRON, cfg)
    d0 = d0_true + sigma_d0 * _normal_like(pt, rng)
    z0 = z0_true + sigma_z0 * _normal_like(pt, rng)
    return d0, abs(d0) / sigma_d0, z0


def track_resolutions(pt: Any, eta: Any, is_electron: Any, cfg: dict[str, float]) -> tuple[Any, Any]:
    """sigma(d0), sigma(z0) in mm: a (+) b / (pT sqrt(sin theta)), z0 over sin theta, electrons worse."""
    sin_theta = 1.0 / np.cosh(eta)
    factor = is_electron * (cfg["electron_factor"] - 1.0) + 1.0
    sigma_d0 = factor * np.hypot(
        cfg["d0_constant_mm"], cfg["d0_multiple_scattering_mm_gev"] / (pt * np.sqrt(sin_theta))
    )
    sigma_z0 = (
        factor
        * np.hypot(cfg["z0_constant_mm"], cfg["z0_multiple_scattering_mm_gev"] / (pt * np.sqrt(sin_theta)))
        / sin_theta
    )
    return sigma_d0, sigma_z0


def _normal_like(values: ak.Array, rng: np.random.Generator) -> ak.Array:
    return ak.unflatten(rng.standard_normal(int(ak.sum(ak.num(values)))), ak.num(values))


def _jet_input_mask(
    particles: ak.Array, electrons: ak.Array, photons: ak.Array, config: dict[str, Any]
) -> ak.Array:
    # Jets are built from visible particles in the calorimeter that are not reconstructed as something else:
    # muons
    # never (they leave the calorimeter), nor reconstructed electrons and photons with the photons of their
    # clusters.
    used = ak.concatenate([electrons[["index", "eta", "phi"]], photons[["index", "eta", "phi"]]], axis=1)
    with_used = pairs(particles, used)
    is_used = with_used.any(flat(particles.index)[with_used.first] == flat(used.index)[with_used.second])
    cluster_dr = max(config["electrons"]["cluster_dr"], config["photons"]["cluster_dr"])
    in_cluster = (particles.id == PHOTON) & with_used.any(with_used.dr < cluster_dr)
    in_calorimeter = abs(particles.eta) < config["isolation"]["calo_abs_eta_max"]
    return (abs(particles.id) != MUON) & ~is_used & ~in_cluster & in_calorimeter


def _missing_et(
    jet_inputs: ak.Array,
    electrons: ak.Array,
    muons: ak.Array,
    photons: ak.Array,
    jets: jet_response.JetCollection,
    config: dict[str, Any],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """E_T^miss = -(reconstructed electrons, muons, photons, jets + soft term), soft term smeared.

    The soft term is what the calorimeter sees outside reconstructed objects: the particles that were offered
    to the jet finder (not reconstructed as electrons, photons or muons) minus the particles of the accepted
    jets.
    """
    soft_x = ak.sum(jet_inputs.px, axis=1) - ak.sum(jets.true_px, axis=1)
    soft_y = ak.sum(jet_inputs.py, axis=1) - ak.sum(jets.true_py, axis=1)
    reco_x, reco_y = soft_x, soft_y
    for collection in (electrons, muons, photons, jets):
        reco_x = reco_x + ak.sum(collection.pt * np.cos(collection.phi), axis=1)
        reco_y = reco_y + ak.sum(collection.pt * np.sin(collection.phi), axis=1)
    sigma = config["met"]["soft_term_resolution_gev"]
    n = len(jet_inputs)
    mex = -ak.to_numpy(reco_x) + sigma * rng.standard_normal(n)
    mey = -ak.to_numpy(reco_y) + sigma * rng.standard_normal(n)
    return np.hypot(mex, mey), np.arctan2(mey, mex)
