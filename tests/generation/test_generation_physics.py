"""Physics of the built-in samples, on small samples through the real Pythia + detector-response chain."""

from __future__ import annotations

from collections.abc import Callable

import awkward as ak
import numpy as np
import pytest
import vector
from higgshunt.generation.processes import ObjectFilter
from scipy import optimize, stats

pytestmark = pytest.mark.slow
MEV = 1000.0


def gaussian_core(
    values: np.ndarray, start: float, width: float = 3.0, iterations: int = 5
) -> tuple[float, float]:
    """Mean and sigma of a Gaussian fitted to the histogram within +-2 sigma, iterated from a guess."""
    mean, sigma = start, width
    for _ in range(iterations):
        window = values[np.abs(values - mean) < 2.0 * sigma]
        counts, edges = np.histogram(window, bins=30)
        centres = 0.5 * (edges[1:] + edges[:-1])

        def model(x: np.ndarray, n: float, mu: float, s: float) -> np.ndarray:
            return n * np.exp(-0.5 * ((x - mu) / s) ** 2)

        (_, mean, sigma), _ = optimize.curve_fit(
            model, centres, counts, p0=(counts.max(), mean, sigma), sigma=np.sqrt(np.maximum(counts, 1.0))
        )
        sigma = abs(sigma)
    return float(mean), float(sigma)


def _vectors(tree: ak.Array, prefix: str, n: int) -> vector.MomentumNumpy4D:
    total = None
    for i in range(n):
        v = vector.array(
            {
                "pt": ak.to_numpy(tree[f"{prefix}_pt"][:, i]) / MEV,
                "eta": ak.to_numpy(tree[f"{prefix}_eta"][:, i]),
                "phi": ak.to_numpy(tree[f"{prefix}_phi"][:, i]),
                "E": ak.to_numpy(tree[f"{prefix}_E"][:, i]) / MEV,
            }
        )
        total = v if total is None else total + v
    assert total is not None
    return total


def test_gaussian_core_fit_recovers_known_gaussian() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(125.0, 1.8, 4000), rng.uniform(100, 150, 800)])
    mean, sigma = gaussian_core(values, 124.0)
    assert mean == pytest.approx(125.0, abs=0.15)
    assert sigma == pytest.approx(1.8, rel=0.1)


def test_higgs_four_lepton_peak(run_sample: Callable[..., ak.Array]) -> None:
    tree = run_sample("4lep/ggH125_ZZ4lep", 2500)
    tree = tree[tree.lep_n == 4]
    m4l = _vectors(tree, "lep", 4).mass
    mean, sigma = gaussian_core(m4l, 124.0)
    assert len(m4l) > 800
    assert mean == pytest.approx(125.0, abs=0.5)
    assert 1.3 <= sigma <= 2.5


def test_higgs_diphoton_peak(run_sample: Callable[..., ak.Array]) -> None:
    tree = run_sample("GamGam/ggH125_gamgam", 2000)
    myy = _vectors(tree, "photon", 2).mass
    mean, sigma = gaussian_core(myy, 124.0)
    assert len(myy) > 800
    assert mean == pytest.approx(125.0, abs=0.5)
    assert 1.2 <= sigma <= 2.2


@pytest.fixture(scope="module")
def z_leptons(run_sample: Callable[..., ak.Array]) -> ak.Array:
    """Z -> mumu with a two-lepton filter and skim, no fakes: the Z peak and the prompt-lepton reference."""
    two = ObjectFilter(2, 4.0, 2.7)
    return run_sample("3lep/Zmumu", 2000, min_leptons=2, lepton_filter=two, without_fakes=True)


def test_z_peak(z_leptons: ak.Array) -> None:
    tree = z_leptons[(z_leptons.lep_n == 2) & (ak.sum(z_leptons.lep_charge, axis=1) == 0)]
    mll = _vectors(tree, "lep", 2).mass
    mean, _ = gaussian_core(mll, 91.0, width=3.0)
    assert mean == pytest.approx(91.2, abs=0.5)


def test_ttbar_leptons_more_displaced_and_less_isolated_than_z_leptons(
    run_sample: Callable[..., ak.Array], z_leptons: ak.Array
) -> None:
    ttbar = run_sample("4lep/ttbar_lep", 150)
    z_sig = ak.to_numpy(ak.flatten(z_leptons.lep_tracksigd0pvunbiased))
    t_sig = ak.to_numpy(ak.flatten(ttbar.lep_tracksigd0pvunbiased))
    z_iso = ak.to_numpy(ak.flatten(z_leptons.lep_ptcone30 / z_leptons.lep_pt))
    t_iso = ak.to_numpy(ak.flatten(ttbar.lep_ptcone30 / ttbar.lep_pt))
    assert np.mean(t_sig) > np.mean(z_sig) and np.quantile(t_sig, 0.9) > np.quantile(z_sig, 0.9)
    assert np.mean(t_iso) > np.mean(z_iso) and np.quantile(t_iso, 0.9) > np.quantile(z_iso, 0.9)
    assert stats.ks_2samp(t_sig, z_sig, alternative="less").pvalue < 1e-3  # ttbar's CDF lies below
    assert stats.ks_2samp(t_iso, z_iso, alternative="less").pvalue < 1e-3
    # Prompt Z leptons: d0 significance follows |N(0,1)| (resolution only)
    assert np.median(z_sig) == pytest.approx(stats.halfnorm.median(), abs=0.1)


def test_heavy_neutrino_three_lepton_mass_differs_from_wz(run_sample: Callable[..., ak.Array]) -> None:
    wr = run_sample("3lep/WR2000_NR300_3lep", 300)
    wz = run_sample("3lep/lllv", 300)
    m_wr = _vectors(wr, "lep", 3).mass
    m_wz = _vectors(wz, "lep", 3).mass
    assert stats.ks_2samp(m_wr, m_wz).pvalue < 1e-6
    assert np.median(m_wr) > 2 * np.median(m_wz)


def test_btag_rates_at_77_percent_working_point(run_sample: Callable[..., ak.Array]) -> None:
    tree = run_sample("3lep/ttbar_lep", 500)
    flav = ak.to_numpy(ak.flatten(tree.jet_trueflav))
    score = ak.to_numpy(ak.flatten(tree.jet_MV2c10))
    tagged = score > 0.6459
    b = flav == 5
    assert b.sum() > 150
    assert tagged[b].mean() == pytest.approx(0.77, abs=4 * np.sqrt(0.77 * 0.23 / b.sum()))
    light = flav == 0
    assert tagged[light].mean() < 0.05
    assert np.all((score >= -1) & (score <= 1))
