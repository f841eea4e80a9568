"""Parametrised ATLAS-like detector response: truth particles in, reconstructed objects out (GeV, mm).

Electrons and photons are calorimeter clusters (photons within `cluster_dr` join them) with a sampling/noise/
constant-term energy resolution; muons get a pT resolution from the spectrometer and inner detector.
Efficiencies are tabulated in pT; tight identification and truth matching depend on whether the particle comes
from a hadron decay. Isolation sums, impact parameters, jets and the missing transverse momentum are computed
from the particles of the event. All numbers come from configs/detector.yaml; all randomness from the
generator passed in. The work runs on flat numpy columns (higgshunt.generation.flat); awkward arrays only
come in (the truth batch) and go out (the reconstructed objects).
"""

from __future__ import annotations

import logging
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.generation import jets as jet_response
from higgshunt.generation.flat import Flat, concatenate
from higgshunt.generation.isolation import cone_sum_flat, pairs
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
    particles = Flat.from_awkward(batch.particles)
    particles = particles.with_fields(et=particles["e"] / np.cosh(particles["eta"]))
    absid = np.abs(particles["id"])
    all_electrons = particles.select(absid == ELECTRON)
    all_photons = particles.select(particles["id"] == PHOTON)
    electrons = _electrons(all_electrons, all_photons, config["electrons"], rng)
    muons = _muons(particles.select(absid == MUON), config["muons"], rng)
    photons = _photons(all_electrons, all_photons, config["photons"], rng)

    isolation_inputs = _isolation_inputs(particles, config["isolation"])
    leptons = concatenate([electrons, muons]).descending("pt")
    leptons = _lepton_properties(leptons, isolation_inputs, config, rng)
    photons = _photon_properties(photons.descending("pt"), isolation_inputs, config, rng)

    jet_inputs = particles.select(
        _jet_input_mask(particles, electrons, photons, config), ("px", "py", "pz", "e")
    )
    hadrons = Flat.from_awkward(batch.heavy_hadrons, ("pt", "eta", "phi", "flavour"))
    jets, soft_jets = jet_response.reconstruct(jet_inputs, hadrons, config["jets"], rng)
    met_et, met_phi = _missing_et(jet_inputs, (electrons, muons, photons, jets), config, rng)
    return {
        "leptons": leptons.to_awkward(),
        "photons": photons.to_awkward(),
        "jets": jet_response.JetCollection.from_flat(jets),
        "soft_jets": jet_response.JetCollection.from_flat(soft_jets),
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


def _gaussian_scale(sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.maximum(1.0 + sigma * rng.standard_normal(len(sigma)), 1e-3)


def in_acceptance(pt: Any, eta: Any, cfg: dict[str, Any]) -> Any:
    """Inside the object's pT threshold and eta range, outside the calorimeter crack where it has one."""
    ok = (pt > cfg["pt_min_gev"]) & (abs(eta) < cfg["abs_eta_max"])
    if "crack_abs_eta" in cfg:
        low, high = cfg["crack_abs_eta"]
        ok = ok & ~((abs(eta) > low) & (abs(eta) < high))
    return ok


def _calorimeter_object(
    seeds: Flat, photons: Flat, cfg: dict[str, Any], rng: np.random.Generator, extra_energy: Any = 0.0
) -> Flat:
    # The cluster: the seed plus the photons around it, then smeared with the calorimeter resolution.
    energy = seeds["e"] + cone_sum_flat(seeds, photons, "e", cfg["cluster_dr"]) + extra_energy
    energy = energy * _gaussian_scale(
        calorimeter_resolution(energy, seeds["eta"], cfg["energy_resolution"]), rng
    )
    return seeds.with_fields(reco_e=energy, reco_pt=energy / np.cosh(seeds["eta"]))


def _electrons(electrons: Flat, photons: Flat, cfg: dict[str, Any], rng: np.random.Generator) -> Flat:
    # An electron closer than the cluster size to a harder one (the pair of a collinear gamma* -> ee splitting
    # or conversion) shares its cluster: the calorimeter sees one electron carrying both energies.
    near = pairs(electrons, electrons)
    harder = electrons["pt"][near.second] > electrons["pt"][near.first]
    absorbed = near.any((near.dr < cfg["cluster_dr"]) & harder)
    seeds = electrons.select(~absorbed)
    extra = cone_sum_flat(seeds, electrons.select(absorbed), "e", cfg["cluster_dr"])
    return _select(_calorimeter_object(seeds, photons, cfg, rng, extra), cfg, rng)


def _muons(muons: Flat, cfg: dict[str, Any], rng: np.random.Generator) -> Flat:
    pt = muons["pt"] * _gaussian_scale(
        muon_resolution(muons["pt"], muons["eta"], cfg["momentum_resolution"]), rng
    )
    energy = np.sqrt((pt * np.cosh(muons["eta"])) ** 2 + MUON_MASS_GEV**2)
    return _select(muons.with_fields(reco_pt=pt, reco_e=energy), cfg, rng)


def _photons(electrons: Flat, photons: Flat, cfg: dict[str, Any], rng: np.random.Generator) -> Flat:
    seeds = photons.select(photons["pt"] > 0.5 * cfg["pt_min_gev"])
    # A photon next to an electron belongs to the electron's cluster; a photon next to a harder photon belongs
    # to that photon's cluster (this merges the two photons of a boosted pi0 into one candidate, as the
    # calorimeter).
    with_electron = pairs(seeds, electrons)
    with_photon = pairs(seeds, photons)
    harder = photons["pt"][with_photon.second] > seeds["pt"][with_photon.first]
    absorbed = with_electron.any(with_electron.dr < cfg["cluster_dr"]) | with_photon.any(
        (with_photon.dr < cfg["cluster_dr"]) & harder
    )
    return _select(_calorimeter_object(seeds.select(~absorbed), photons, cfg, rng), cfg, rng)


def _select(cand: Flat, cfg: dict[str, Any], rng: np.random.Generator) -> Flat:
    eta, from_hadron, reco_pt = cand["eta"], cand["from_hadron"], cand["reco_pt"]
    eff = efficiency(reco_pt, cfg["efficiency"])
    eff = np.where(from_hadron, eff * cfg["non_prompt_efficiency_factor"], eff)
    if "central_gap" in cfg:
        gap = cfg["central_gap"]
        eff = np.where(abs(eta) < gap["abs_eta_max"], eff * gap["efficiency_factor"], eff)
    cand = cand.select(in_acceptance(reco_pt, eta, cfg) & (rng.random(cand.size) < eff))
    tight = np.where(cand["from_hadron"], cfg["tight_id"]["non_prompt"], cfg["tight_id"]["prompt"])
    fields = {
        "index": cand["index"],
        "kind": np.abs(cand["id"]).astype(np.uint32),
        "charge": cand["charge"].astype(np.int32),
        "pt": cand["reco_pt"],
        "eta": cand["eta"],
        "phi": cand["phi"],
        "e": cand["reco_e"],
        "truth_matched": ~cand["from_hadron"],
        "tight": rng.random(cand.size) < tight,
        "trig_matched": _trigger_matched(cand["reco_pt"], cand["eta"], cfg, rng),
        # truth quantities the impact parameters need
        "true_px": cand["px"],
        "true_py": cand["py"],
        "true_pz": cand["pz"],
        "vx": cand["vx"],
        "vy": cand["vy"],
        "vz": cand["vz"],
    }
    return Flat(fields, cand.counts)


def _trigger_matched(
    pt: np.ndarray, eta: np.ndarray, cfg: dict[str, Any], rng: np.random.Generator
) -> np.ndarray:
    """Objects above the trigger threshold that the single-object trigger also found (leptons: with the
    efficiency of the 2016 triggers relative to the offline object, lower in the muon barrel, whose trigger
    chambers cover less; photons: the diphoton trigger is decided later, per event)."""
    above = pt > np.min(cfg["trigger_pt_min_gev"])
    if "trigger_efficiency" not in cfg:
        return above
    return above & (rng.random(pt.size) < trigger_efficiency(eta, cfg["trigger_efficiency"]))


def trigger_efficiency(eta: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """Single-lepton trigger efficiency per object above threshold: barrel or endcap value."""
    return np.where(np.abs(eta) < table["barrel_abs_eta_max"], table["barrel"], table["endcap"])


def _isolation_inputs(particles: Flat, iso: dict[str, Any]) -> tuple[Flat, Flat]:
    """The tracks (charged particles) and calorimeter deposits the isolation cones sum over."""
    tracks = particles.select(
        (particles["charge"] != 0)
        & (particles["pt"] > iso["ptcone_track_pt_min_gev"])
        & (abs(particles["eta"]) < iso["track_abs_eta_max"]),
        ("index", "eta", "phi", "pt"),
    )
    # Muons cross the calorimeter as minimum-ionising particles: their energy is not counted.
    calo = particles.select(
        (np.abs(particles["id"]) != MUON) & (abs(particles["eta"]) < iso["calo_abs_eta_max"]),
        ("index", "eta", "phi", "et"),
    )
    return tracks, calo


def _isolation(
    objects: Flat, inputs: tuple[Flat, Flat], config: dict[str, Any], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    iso = config["isolation"]
    tracks, calo = inputs
    ptcone = cone_sum_flat(objects, tracks, "pt", iso["ptcone_dr"])
    etcone = cone_sum_flat(objects, calo, "et", iso["etcone_dr"], r_min=iso["etcone_core_dr"])
    noise = iso["etcone_noise_gev"] * rng.standard_normal(objects.size)
    return {"ptcone30": ptcone, "etcone20": etcone + noise}


def _lepton_properties(
    leptons: Flat, inputs: tuple[Flat, Flat], config: dict[str, Any], rng: np.random.Generator
) -> Flat:
    isolation = _isolation(leptons, inputs, config, rng)
    d0, d0_sig, z0 = _impact_parameters(leptons, config["tracks"], rng)
    return leptons.with_fields(**isolation, d0=d0, d0_sig=d0_sig, z0=z0)


def _photon_properties(
    photons: Flat, inputs: tuple[Flat, Flat], config: dict[str, Any], rng: np.random.Generator
) -> Flat:
    isolation = _isolation(photons, inputs, config, rng)
    converted = rng.random(photons.size) < config["photons"]["conversion_fraction"]
    return photons.with_fields(
        **isolation,
        conv_type=converted.astype(np.int32),
        trig_matched=_diphoton_trigger(photons, config["photons"]),
    )


def photon_trigger_matched(photons: ak.Array, cfg: dict[str, Any]) -> ak.Array:
    """Per photon (sorted by pT): the diphoton trigger fired and this photon is above its lower threshold."""
    flat = Flat.from_awkward(photons, ("pt",))
    return flat.jagged(_diphoton_trigger(flat, cfg))


def _diphoton_trigger(photons: Flat, cfg: dict[str, Any]) -> np.ndarray:
    lead, sublead = cfg["trigger_pt_min_gev"]
    pt, counts = photons["pt"], photons.counts
    fired = np.zeros(len(counts), dtype=bool)
    first = photons.starts[counts >= 2]
    fired[counts >= 2] = (pt[first] > lead) & (pt[first + 1] > sublead)
    return (pt > sublead) & fired[photons.event]


def _impact_parameters(
    leptons: Flat, cfg: dict[str, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse (d0) and longitudinal (z0) impact parameters of straight tracks from the production vertex.

    The primary vertex is Pythia's origin. Pythia's vertices are in mm, so are the results. Straight lines are
    enough: the displacement of b/c decays (mm) is tiny against the track's radius of curvature (metres).
    """
    px, py, pz = leptons["true_px"], leptons["true_py"], leptons["true_pz"]
    vx, vy, vz = leptons["vx"], leptons["vy"], leptons["vz"]
    pt = np.hypot(px, py)
    d0_true = (vx * py - vy * px) / pt
    z0_true = vz - pz / pt * (vx * px + vy * py) / pt
    sigma_d0, sigma_z0 = track_resolutions(pt, leptons["eta"], leptons["kind"] == ELECTRON, cfg)
    d0 = d0_true + sigma_d0 * rng.standard_normal(leptons.size)
    z0 = z0_true + sigma_z0 * rng.standard_normal(leptons.size)
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


def _jet_input_mask(particles: Flat, electrons: Flat, photons: Flat, config: dict[str, Any]) -> np.ndarray:
    # Jets are built from visible particles in the calorimeter that are not reconstructed as something else:
    # muons never (they leave the calorimeter), nor reconstructed electrons and photons with the photons of
    # their clusters (photons, and electrons sharing a harder electron's cluster).
    cluster_dr = max(config["electrons"]["cluster_dr"], config["photons"]["cluster_dr"])
    is_used = np.zeros(particles.size, dtype=bool)
    near_used = np.zeros(particles.size, dtype=bool)
    for used in (electrons, photons):
        with_used = pairs(particles, used)
        is_used |= with_used.any(particles["index"][with_used.first] == used["index"][with_used.second])
        near_used |= with_used.any(with_used.dr < cluster_dr)
    in_cluster = ((particles["id"] == PHOTON) | (np.abs(particles["id"]) == ELECTRON)) & near_used
    in_calorimeter = abs(particles["eta"]) < config["isolation"]["calo_abs_eta_max"]
    return (np.abs(particles["id"]) != MUON) & ~is_used & ~in_cluster & in_calorimeter


def _missing_et(
    jet_inputs: Flat,
    objects: tuple[Flat, ...],
    config: dict[str, Any],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """E_T^miss = -(reconstructed electrons, muons, photons, jets + soft term), soft term smeared.

    The soft term is what the calorimeter sees outside reconstructed objects: the particles that were offered
    to the jet finder (not reconstructed as electrons, photons or muons) minus the particles of the accepted
    jets (the last of `objects`).
    """
    jets = objects[-1]
    reco_x = jet_inputs.per_event_sum(jet_inputs["px"]) - jets.per_event_sum(jets["true_px"])
    reco_y = jet_inputs.per_event_sum(jet_inputs["py"]) - jets.per_event_sum(jets["true_py"])
    for collection in objects:
        reco_x = reco_x + collection.per_event_sum(collection["pt"] * np.cos(collection["phi"]))
        reco_y = reco_y + collection.per_event_sum(collection["pt"] * np.sin(collection["phi"]))
    sigma = config["met"]["soft_term_resolution_gev"]
    n = len(jet_inputs.counts)
    mex = -reco_x + sigma * rng.standard_normal(n)
    mey = -reco_y + sigma * rng.standard_normal(n)
    return np.hypot(mex, mey), np.arctan2(mey, mex)
