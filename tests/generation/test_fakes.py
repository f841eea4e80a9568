"""Jets faking photons and leptons as event weights: the weights are the fake probabilities, the subsets are
drawn in proportion to them, and fakes look like fakes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import awkward as ak
import numpy as np
import pytest
from higgshunt.errors import ConfigError
from higgshunt.generation import fakes
from higgshunt.generation.processes import build_samples
from higgshunt.generation.run import _fingerprint
from higgshunt.generation.sample import SampleSettings


def _brute_force_weight(p: list[float], k: int) -> float:
    # e_k(p): the probability that some k of the jets fake (sum over subsets of the product of probabilities)
    return float(sum(np.prod(c) for c in itertools.combinations(p, k))) if k else 1.0


def test_weights_are_the_summed_subset_probabilities() -> None:
    probs = [[1e-3, 2e-3, 5e-4], [3e-3], [], [1e-3, 1e-3], [2e-3, 0.0, 4e-3, 1e-4]]
    for k in (0, 1, 2):
        event = np.repeat(np.arange(len(probs)), [len(p) for p in probs])
        flat = np.concatenate([np.asarray(p, dtype=float) for p in probs])
        needed = np.full(len(probs), k)
        chosen, weight = fakes.choose(event, flat, needed, 2, np.random.default_rng(1))
        expected = [_brute_force_weight(p, k) for p in probs]
        np.testing.assert_allclose(weight, expected, rtol=1e-12, atol=1e-30)
        # exactly k fakes where the event has a non-zero weight, none elsewhere; never a zero-probability jet
        per_event = np.bincount(event[chosen], minlength=len(probs))
        assert list(per_event) == [k if w > 0 and k else 0 for w in weight]
        assert not np.any(chosen & (flat == 0))


def test_more_fakes_than_allowed_gives_weight_zero() -> None:
    event = np.array([0, 0, 0])
    chosen, weight = fakes.choose(event, np.full(3, 1e-3), np.array([3]), 2, np.random.default_rng(2))
    assert weight[0] == 0.0 and not chosen.any()
    _, weight = fakes.choose(event, np.full(3, 1e-3), np.array([2]), 1, np.random.default_rng(2))
    assert weight[0] == 0.0


@pytest.mark.parametrize("k", [1, 2])
def test_subsets_are_drawn_in_proportion_to_their_probability(k: int) -> None:
    p = np.array([1e-3, 3e-3, 6e-3, 0.0])
    repeats = 40_000
    event = np.repeat(np.arange(repeats), len(p))
    chosen, _ = fakes.choose(event, np.tile(p, repeats), np.full(repeats, k), 2, np.random.default_rng(3))
    picked = chosen.reshape(repeats, len(p))
    subsets = list(itertools.combinations(range(len(p)), k))
    expected = np.array([np.prod(p[list(s)]) for s in subsets])
    expected /= expected.sum()
    observed = np.array([np.all(picked[:, list(s)], axis=1).mean() for s in subsets])
    np.testing.assert_allclose(observed, expected, atol=4.0 * np.sqrt(0.25 / repeats))


def test_probability_table_edges_and_endcap_factor() -> None:
    table = {"pt_edges_gev": [20, 40], "values": [2e-4, 1e-4], "endcap_abs_eta": 1.37, "endcap_factor": 1.5}
    pt = np.array([10.0, 20.0, 39.0, 40.0, 100.0, 30.0])
    eta = np.array([0.0, 0.0, 0.5, -1.0, 2.0, -2.0])
    np.testing.assert_allclose(
        fakes.probability_table(pt, eta, table), [0.0, 2e-4, 2e-4, 1e-4, 1.5e-4, 3e-4], rtol=1e-12
    )


def test_only_photon_fakes_switch_off_the_simulated_ones(samples_config: Any) -> None:
    config = samples_config.detector
    assert fakes.detector_config(config, "photons")["photons"]["non_prompt_efficiency_factor"] == 0.0
    assert config["photons"]["non_prompt_efficiency_factor"] > 0.0  # the original is untouched
    assert fakes.detector_config(config, "leptons") is config
    assert fakes.detector_config(config, None) is config


def test_unknown_mode_is_a_config_error(samples_config: Any) -> None:
    with pytest.raises(ConfigError, match="unknown mode"):
        fakes.promote({}, "taus", 1, samples_config.detector, np.random.default_rng(0))


def _m_yy(tree: ak.Array) -> np.ndarray:
    pt, eta, phi = (ak.pad_none(tree[f"photon_{c}"], 2) for c in ("pt", "eta", "phi"))
    mass = np.sqrt(2 * pt[:, 0] * pt[:, 1] * (np.cosh(eta[:, 0] - eta[:, 1]) - np.cos(phi[:, 0] - phi[:, 1])))
    return ak.to_numpy(ak.fill_none(mass, 0.0)) / 1000.0


@pytest.mark.slow
def test_gamma_jet_is_many_smooth_weighted_events(
    run_sample: Callable[..., ak.Array], samples_config: Any
) -> None:
    tree = run_sample("GamGam/gammajet", 1500)
    cfg = samples_config.detector["fakes"]["photons"]["probability"]
    weights = ak.to_numpy(tree.mcWeight)
    assert len(weights) > 700  # most events: a reconstructed prompt photon and a jet
    # weight = sum over the event's jets of p(jet) <= (jets + 1) * largest p * endcap factor (float32 storage)
    n_jets = ak.to_numpy(tree.jet_n) + 1
    # one fake photon per event, promoted from a jet, except events with two real photons left real-only
    n_fake = ak.to_numpy(ak.sum(~tree.photon_truthMatched, axis=1))
    assert np.all(n_fake <= 1) and np.mean(n_fake == 1) > 0.99
    faked = n_fake == 1
    assert np.all(weights > 0)
    bound = max(cfg["values"]) * cfg["endcap_factor"] / (1.0 - fakes.REAL_ONLY_SHARE)
    assert np.all(weights[faked] <= n_jets[faked] * bound * (1 + 1e-6))
    assert ak.all(tree.photon_isTightID[~tree.photon_truthMatched])
    # smooth m_yy: no single event carries a large share of a 5 GeV bin in 110-160 GeV (with unweighted fakes
    # from pi0s, a handful of events made the whole spectrum; at this size the sparsest bin holds 7-13 events)
    # (the fakes' spectrum: a real-only event with two real photons is rare real physics, weighted as such)
    m, weights = _m_yy(tree)[faked], weights[faked]
    edges = np.arange(110.0, 161.0, 5.0)
    totals, _ = np.histogram(m, edges, weights=weights)
    largest = np.array(
        [weights[(m >= lo) & (m < hi)].max() for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    )
    assert np.all(largest / totals < 0.4), largest / totals


@pytest.mark.slow
def test_fake_leptons_look_like_fakes(run_sample: Callable[..., ak.Array], samples_config: Any) -> None:
    tree = run_sample("4lep/Zmumu", 3000)
    fake = ~tree.lep_truthMatched
    prompt = tree.lep_truthMatched & (tree.lep_type == 13)
    n_fake = ak.to_numpy(ak.sum(fake, axis=1))
    assert len(tree) > 40 and np.all(n_fake >= 1)
    probability = samples_config.detector["fakes"]["leptons"]["probability"]
    p_max = max(probability["electrons"]["values"]) + max(probability["muons"]["values"])
    weights = ak.to_numpy(tree.mcWeight)
    n_jets = ak.to_numpy(tree.jet_n) + n_fake
    # one fake: sum over jets of p_j <= n p_max; two fakes: sum over pairs of p_i p_j <= C(n, 2) p_max^2,
    # which holds for most events (a non-truth-matched lepton can also be a real one from a b/c decay); events
    # whose real leptons already sufficed carry their fake with twice the weight (`min_fakes`)
    assert np.all((weights > 0) & (weights <= 2 * n_jets * p_max * (1 + 1e-6)))
    assert np.mean(weights <= n_jets * (n_jets - 1) / 2 * p_max**2 * (1 + 1e-6)) > 0.8

    def values(branch: str, mask: ak.Array) -> np.ndarray:
        return ak.to_numpy(ak.flatten(tree[branch][mask]))

    relative_iso = tree.lep_ptcone30 / tree.lep_pt
    iso_fake, iso_prompt = (ak.to_numpy(ak.flatten(relative_iso[m])) for m in (fake, prompt))
    assert np.mean(iso_fake < 0.3) < 0.6 < 0.9 < np.mean(iso_prompt < 0.3)
    sig_fake, sig_prompt = (
        values("lep_tracksigd0pvunbiased", fake),
        values("lep_tracksigd0pvunbiased", prompt),
    )
    assert np.median(sig_fake) > 2.0 * np.median(sig_prompt)
    assert np.mean(values("lep_isTightID", fake)) < 0.6 < np.mean(values("lep_isTightID", prompt))
    charges = values("lep_charge", fake)
    assert set(np.unique(charges)) == {-1, 1} and abs(np.mean(charges)) < 0.3


@pytest.mark.slow
def test_forced_fakes_add_to_the_real_only_contribution(run_sample: Callable[..., ak.Array]) -> None:
    # One photon required: nearly every gamma+jet event has enough real photons, so `min_fakes: 1` decides
    # what happens to its real-only contribution. Without fakes each such event counts its generator weight.
    events = 400
    reference = run_sample("GamGam/gammajet", events, min_photons=1, without_fakes=True, seed=8)
    tree = run_sample("GamGam/gammajet", events, min_photons=1, seed=8)
    weights = ak.to_numpy(tree.mcWeight)
    real_only = ak.to_numpy(ak.all(tree.photon_truthMatched, axis=1))
    share = fakes.REAL_ONLY_SHARE
    # the events left real-only carry their weight (1: Pythia's unweighted events) over their share, exactly
    np.testing.assert_allclose(weights[real_only], 1.0 / share, rtol=1e-6)
    # and in total they give what the sample without fakes gives, within the binomial spread of the draw
    total, expected = weights[real_only].sum(), float(len(reference))
    spread = np.sqrt(expected * (1.0 - share) / share)
    assert abs(total - expected) < 4.0 * spread, (total, expected, spread)
    # the other events carry one fake photon on top of their real ones, with a small weight
    faked = ~real_only
    assert faked.sum() > 0.3 * len(tree)
    assert np.all(ak.to_numpy(ak.sum(~tree.photon_truthMatched, axis=1))[faked] == 1)
    assert np.all(weights[faked] < 0.05)


def test_cached_samples_notice_a_changed_fake_definition(samples_config: Any) -> None:
    # generate() (and so the demo) reuses a file only when its fingerprint is unchanged
    sample = next(s for s in samples_config.samples if s.key == "GamGam/gammajet")
    settings = SampleSettings(1, 250, 284500, 1000, samples_config.detector, samples_config.raw["skims"])
    base = _fingerprint(sample, settings)
    assert _fingerprint(replace(sample, fakes=None), settings) != base
    assert _fingerprint(replace(sample, min_fakes=0), settings) != base
    changed = {**samples_config.detector, "fakes": {**samples_config.detector["fakes"], "photons": {}}}
    assert _fingerprint(sample, replace(settings, detector=changed)) != base
    assert _fingerprint(sample, settings) == base


def test_min_fakes_without_fakes_is_a_config_error(samples_config: Any) -> None:
    raw = {**samples_config.raw, "processes": [{**samples_config.raw["processes"][0], "min_fakes": 1}]}
    with pytest.raises(ConfigError, match=r"processes\[0\]\.min_fakes"):
        build_samples(raw, source="samples.yaml")
