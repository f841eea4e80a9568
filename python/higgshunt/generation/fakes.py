"""Jets faking photons or leptons, as parametrised probabilities applied as event weights.

A jet is reconstructed as a tight isolated photon about once in a few thousand times, and as a loose lepton
about once in a hundred to a few hundred times: simulating such fakes from the hadrons of the event (as the
detector response does for pi0 -> gamma gamma) needs millions of events for a few hundred fakes. Fast
simulation instead promotes jets to fake objects and carries the fake probability as an event weight, which is
what this module does for processes with `fakes: photons` or `fakes: leptons` in configs/samples.yaml.

For each event the skim needs k = (objects required) - (objects reconstructed) fakes. With the process'
`min_fakes`, events whose real objects already suffice also get that many fakes, in addition to, never instead
of, their real-object contribution: half of them (drawn at random) stay as they are with weight 2, the other
half carry the fakes with weight 2 e_k, so that both contributions keep their expectation (1 and e_k).
Candidates are the written jets and the soft jets below the jet threshold. With per-jet fake probabilities
p_j (jet pT, eta, flavour, and whether the fake lands inside the object's acceptance), the probability that
exactly the chosen k jets fake is summed over all k-subsets: the event weight is the elementary symmetric
polynomial e_k(p) (k = 0: 1, k = 1: sum p_j, k = 2: sum_{i<j} p_i p_j), and the subset is drawn with
probability proportional to its product of p_j. The promoted jets leave the jet collection. A fake
photon is a tight isolated photon (the probability is that of passing tight identification and isolation);
a fake lepton is a loose lepton (the probability is before isolation, tight identification and impact
parameter cuts) that looks like a fake: the rest of the jet in its isolation cones, a broad d0 significance,
the tight flag mostly false, a random charge.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, fields
from typing import Any

import awkward as ak
import numpy as np

from higgshunt.errors import ConfigError
from higgshunt.generation import detector
from higgshunt.generation.jets import JetCollection

log = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("photons", "leptons")
_MAX_FAKES = 2  # the weights below are written out for k <= 2 fakes per event
# Share of the events with enough real objects that stay real-only when the process asks for `min_fakes`.
REAL_ONLY_SHARE = 0.5


@dataclass(frozen=True)
class Candidates:
    """The jets of a batch as flat arrays, with the fake object each would become and its probability."""

    event: np.ndarray
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    e: np.ndarray
    jet_pt: np.ndarray
    probability: np.ndarray
    kind: np.ndarray  # PDG id of the fake object (11, 13 or 22)


def detector_config(config: dict[str, Any], mode: str | None) -> dict[str, Any]:
    """The detector config for a sample with fakes of `mode`.

    With parametrised photon fakes the simulated ones (pi0 clusters in jets) are switched off: the jets that
    produce them would otherwise be counted twice. Leptons from b/c-hadron decays are real physics and stay.
    """
    if mode != "photons":
        return config
    changed = copy.deepcopy(config)
    changed["photons"]["non_prompt_efficiency_factor"] = 0.0
    return changed


def promote(
    reco: dict[str, Any],
    mode: str,
    needed_total: int,
    config: dict[str, Any],
    rng: np.random.Generator,
    *,
    min_fakes: int = 0,
) -> tuple[dict[str, Any], np.ndarray]:
    """Turn jets into fake photons or leptons so that each event reaches `needed_total` objects.

    Args:
        reco: output of `detector.simulate`.
        mode: `photons` or `leptons`.
        needed_total: objects of that kind the skim requires.
        config: the whole detector config (its `fakes` section and the object definitions).
        rng: the sample's random generator.
        min_fakes: fakes added to events whose real objects already suffice, to a random share
            1 - REAL_ONLY_SHARE of them (the rest stay real-only); both parts are reweighted by the inverse of
            their share, so the real-only contribution keeps its expectation and the fakes add to it.

    Returns:
        The changed reconstruction (fakes added to photons or leptons, promoted jets removed) and the fake
        weight of each event (1 where no fake is needed, 0 where the event cannot reach the required count).
    """
    if mode not in MODES:
        raise ConfigError(f"fakes: unknown mode '{mode}', expected one of {list(MODES)}")
    cfg = config["fakes"][mode]
    # Candidates: the written jets, then the soft ones (which only leptons can come from in practice).
    jets = _join(reco["jets"], reco["soft_jets"])
    written = ak.local_index(jets.pt) < ak.num(reco["jets"].pt)
    n_events = len(reco["met_et"])
    real = ak.to_numpy(ak.num(reco[mode]))
    needed = np.maximum(needed_total - real, 0)
    # drawn for every event, so that the random stream does not depend on the outcome
    real_only = rng.random(n_events) < REAL_ONLY_SHARE
    enough = needed == 0
    share = np.ones(n_events)
    if min_fakes:
        needed[enough & ~real_only] = min_fakes
        share[enough] = np.where(real_only[enough], REAL_ONLY_SHARE, 1.0 - REAL_ONLY_SHARE)
    candidates = (
        _photon_candidates(jets, cfg, config, rng)
        if mode == "photons"
        else _lepton_candidates(jets, cfg, config, rng)
    )
    chosen, weight = choose(
        candidates.event, candidates.probability, needed, min(cfg["max_per_event"], _MAX_FAKES), rng
    )
    counts = np.bincount(candidates.event[chosen], minlength=n_events)
    objects = _fake_objects(mode, reco[mode], candidates, chosen, counts, config, rng)
    merged = ak.concatenate([reco[mode], objects], axis=1)
    merged = merged[ak.argsort(merged.pt, ascending=False)]
    if mode == "photons":
        merged = ak.with_field(
            merged, detector.photon_trigger_matched(merged, config["photons"]), "trig_matched"
        )
    left = ak.unflatten(~chosen, ak.num(jets.pt))
    result = dict(reco)
    result[mode] = merged
    result["jets"] = _select(jets, left & written)
    result["soft_jets"] = _select(jets, left & ~written)
    return result, weight / share


def _join(first: JetCollection, second: JetCollection) -> JetCollection:
    return JetCollection(
        *(
            ak.concatenate([getattr(first, f.name), getattr(second, f.name)], axis=1)
            for f in fields(JetCollection)
        )
    )


def _select(jets: JetCollection, mask: ak.Array) -> JetCollection:
    return JetCollection(*(getattr(jets, f.name)[mask] for f in fields(JetCollection)))


def choose(
    event: np.ndarray, probability: np.ndarray, needed: np.ndarray, max_fakes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pick `needed` fakes per event among the candidates, with probability proportional to their product.

    Args:
        event: event index of each candidate (ascending, as flattened jagged arrays are).
        probability: fake probability of each candidate.
        needed: fakes each event needs.
        max_fakes: events needing more fakes than this get weight 0 (at most 2).

    Returns:
        A mask over the candidates (the chosen ones) and the weight e_k(p) of each event.
    """
    n_events = len(needed)
    s1 = np.bincount(event, probability, minlength=n_events)
    s2 = np.bincount(event, probability**2, minlength=n_events)
    pairs = np.maximum(0.5 * (s1**2 - s2), 0.0)
    weight = np.select([needed == 0, needed == 1, needed == 2], [np.ones(n_events), s1, pairs], 0.0)
    weight[needed > max_fakes] = 0.0
    active = (needed > 0) & (weight > 0)
    # First pick: for one fake p_i / e_1; for two, p_i (e_1 - p_i) / (2 e_2), the chance that i is in the pair
    # halved, so that the second pick p_j / (e_1 - p_i) gives each pair the probability p_i p_j / e_2.
    first_weight = np.where(needed[event] == 2, probability * (s1[event] - probability), probability)
    first = _draw(event, first_weight, active, rng)
    chosen = np.zeros(len(event), dtype=bool)
    chosen[first] = True
    second = _draw(event, np.where(chosen, 0.0, probability), active & (needed == 2), rng)
    chosen[second] = True
    return chosen, weight


def _draw(event: np.ndarray, q: np.ndarray, active: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One candidate per active event, drawn with probability q / sum(q) (flat indices)."""
    n_events = len(active)
    u = rng.random(n_events)  # drawn for every event, so the stream does not depend on the outcome
    q = np.where(active[event], q, 0.0)
    total = np.bincount(event, q, minlength=n_events)
    counts = np.bincount(event, minlength=n_events)
    start = np.cumsum(counts) - counts
    cumulative = np.concatenate([[0.0], np.cumsum(q)])
    picks = np.flatnonzero(total > 0)
    target = cumulative[start[picks]] + u[picks] * total[picks]
    index = np.searchsorted(cumulative[1:], target, side="right")
    return np.clip(index, start[picks], start[picks] + counts[picks] - 1)


def probability_table(pt: np.ndarray, eta: np.ndarray, table: dict[str, Any]) -> np.ndarray:
    """Fake probability per jet: a table in jet pT (0 below the first edge) times a factor in the endcaps."""
    p = detector.efficiency(pt, table)
    return np.where(np.abs(eta) > table.get("endcap_abs_eta", np.inf), p * table.get("endcap_factor", 1.0), p)


def _flat_jets(jets: JetCollection) -> dict[str, np.ndarray]:
    counts = ak.to_numpy(ak.num(jets.pt))
    values = {name: ak.to_numpy(ak.flatten(getattr(jets, name))) for name in ("pt", "eta", "phi", "e")}
    values["flavour"] = ak.to_numpy(ak.flatten(jets.trueflav))
    values["event"] = np.repeat(np.arange(len(counts)), counts)
    return values


def _response(cfg: dict[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
    """Fraction of the jet's energy carried by the fake object."""
    r = cfg["response"]
    return np.clip(r["mean"] + r["sigma"] * rng.standard_normal(n), r["min"], r["max"])


def _photon_candidates(
    jets: JetCollection, cfg: dict[str, Any], config: dict[str, Any], rng: np.random.Generator
) -> Candidates:
    jet = _flat_jets(jets)
    fraction = _response(cfg, len(jet["pt"]), rng)
    pt = fraction * jet["pt"]
    accepted = detector.in_acceptance(pt, jet["eta"], config["photons"])
    eligible = np.isin(jet["flavour"], cfg["flavours"])
    probability = probability_table(jet["pt"], jet["eta"], cfg["probability"]) * (accepted & eligible)
    kind = np.full(len(pt), detector.PHOTON)
    return Candidates(
        jet["event"], pt, jet["eta"], jet["phi"], fraction * jet["e"], jet["pt"], probability, kind
    )


def _lepton_candidates(
    jets: JetCollection, cfg: dict[str, Any], config: dict[str, Any], rng: np.random.Generator
) -> Candidates:
    jet = _flat_jets(jets)
    n = len(jet["pt"])
    fraction = _response(cfg, n, rng)
    pt = fraction * jet["pt"]
    p_electron = probability_table(jet["pt"], jet["eta"], cfg["probability"]["electrons"])
    p_muon = probability_table(jet["pt"], jet["eta"], cfg["probability"]["muons"])
    total = p_electron + p_muon
    # The flavour of the fake is drawn first; the probability is then the total times the acceptance of that
    # flavour, whose expectation is p_e acc_e + p_mu acc_mu.
    is_electron = rng.random(n) * np.where(total > 0, total, 1.0) < p_electron
    kind = np.where(is_electron, detector.ELECTRON, detector.MUON)
    accepted = np.where(
        is_electron,
        detector.in_acceptance(pt, jet["eta"], config["electrons"]),
        detector.in_acceptance(pt, jet["eta"], config["muons"]),
    )
    eligible = np.isin(jet["flavour"], cfg["flavours"])
    probability = total * (accepted & eligible)
    return Candidates(
        jet["event"], pt, jet["eta"], jet["phi"], fraction * jet["e"], jet["pt"], probability, kind
    )


def _as_objects(like: ak.Array, values: dict[str, np.ndarray], counts: np.ndarray) -> ak.Array:
    # Same fields, order and types as the real objects, so that both concatenate into one record array.
    columns = {}
    for name in like.fields:
        dtype = ak.to_numpy(ak.flatten(like[name])).dtype
        columns[name] = np.asarray(values[name]).astype(dtype)
    return ak.unflatten(ak.zip(columns, depth_limit=1), counts)


def _kinematics(c: Candidates, chosen: np.ndarray) -> dict[str, np.ndarray]:
    pt, eta, phi = c.pt[chosen], c.eta[chosen], c.phi[chosen]
    n = len(pt)
    return {
        "index": np.full(n, -1),
        "kind": c.kind[chosen],
        "pt": pt,
        "eta": eta,
        "phi": phi,
        "e": c.e[chosen],
        "truth_matched": np.zeros(n, dtype=bool),
        "true_px": pt * np.cos(phi),
        "true_py": pt * np.sin(phi),
        "true_pz": pt * np.sinh(eta),
        "vx": np.zeros(n),
        "vy": np.zeros(n),
        "vz": np.zeros(n),
    }


def _fake_objects(
    mode: str,
    real: ak.Array,
    c: Candidates,
    chosen: np.ndarray,
    counts: np.ndarray,
    config: dict[str, Any],
    rng: np.random.Generator,
) -> ak.Array:
    """The chosen candidates as photon or lepton records (jagged with `counts`)."""
    values = _kinematics(c, chosen)
    if mode == "photons":
        values.update(_photon_values(values["pt"], config, rng))
    else:
        values.update(_lepton_values(values, c.jet_pt[chosen], config, rng))
    return _as_objects(real, values, counts)


def _photon_values(pt: np.ndarray, config: dict[str, Any], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(pt)
    iso = config["fakes"]["photons"]["isolation_fraction"]
    noise = config["isolation"]["etcone_noise_gev"]
    return {
        "charge": np.zeros(n),
        # the probability is that of a tight, isolated candidate: small isolation sums, as prompt photons
        "tight": np.ones(n, dtype=bool),
        "ptcone30": rng.exponential(iso["ptcone30"], n) * pt,
        "etcone20": rng.exponential(iso["etcone20"], n) * pt + noise * rng.standard_normal(n),
        "conv_type": rng.random(n) < config["photons"]["conversion_fraction"],
        "trig_matched": np.zeros(n, dtype=bool),  # recomputed once the fakes joined the event
    }


def _lepton_values(
    values: dict[str, np.ndarray], jet_pt: np.ndarray, config: dict[str, Any], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    cfg = config["fakes"]["leptons"]
    pt, eta, kind = values["pt"], values["eta"], values["kind"]
    n = len(pt)
    is_electron = kind == detector.ELECTRON
    # The rest of the jet surrounds the fake: a share of it falls into each isolation cone.
    rest = jet_pt - pt
    low_pt, high_pt = cfg["cone_fraction"]["ptcone30"]
    low_et, high_et = cfg["cone_fraction"]["etcone20"]
    noise = config["isolation"]["etcone_noise_gev"]
    sigma_d0, sigma_z0 = detector.track_resolutions(pt, eta, is_electron, config["tracks"])
    # Tracks of fakes (in-flight decays, wrongly matched or badly measured tracks): broad impact parameters.
    scale = cfg["impact_parameter_scale"]
    d0 = scale * sigma_d0 * rng.standard_normal(n)
    tight = np.where(is_electron, cfg["tight_id"]["electrons"], cfg["tight_id"]["muons"])
    trigger = np.where(
        is_electron, config["electrons"]["trigger_pt_min_gev"], config["muons"]["trigger_pt_min_gev"]
    )
    trigger_efficiency = np.where(
        is_electron,
        detector.trigger_efficiency(eta, config["electrons"]["trigger_efficiency"]),
        detector.trigger_efficiency(eta, config["muons"]["trigger_efficiency"]),
    )
    return {
        "charge": rng.choice(np.array([-1, 1]), n),
        "tight": rng.random(n) < tight,
        "trig_matched": (pt > trigger) & (rng.random(n) < trigger_efficiency),
        "ptcone30": rest * rng.uniform(low_pt, high_pt, n),
        "etcone20": rest * rng.uniform(low_et, high_et, n) + noise * rng.standard_normal(n),
        "d0": d0,
        "d0_sig": np.abs(d0) / sigma_d0,
        "z0": scale * sigma_z0 * rng.standard_normal(n),
    }
