// Lepton identification and isolation for ATLAS Open Data ntuples (branches lep_type, lep_pt, lep_eta,
// lep_isTightID, lep_ptcone30, lep_etcone20, lep_tracksigd0pvunbiased, lep_z0).
#pragma once

#include <ROOT/RVec.hxx>

namespace higgshunt {

/// Thresholds for one lepton flavour. An aggregate, so that `higgshunt::LeptonCuts cuts{...};` can be declared
/// from configuration. Units follow the ntuple (MeV, mm). A lepton is good when all of these hold:
///   pt > pt_min, |eta| < abs_eta_max, not (crack_eta_min < |eta| < crack_eta_max),
///   tight (only if require_tight), ptcone30 / pt < ptcone30_rel_max, etcone20 / pt < etcone20_rel_max,
///   |d0sig| < d0sig_max, |z0 sin(theta)| < z0sintheta_max_mm with sin(theta) = 1 / cosh(eta).
/// A maximum of +inf (or pt_min = -inf) disables that cut; crack_eta_min = crack_eta_max = 0 disables the veto.
/// Every comparison is strict, so a NaN in any compared quantity makes the lepton not good.
struct LeptonCuts {
  float pt_min;
  float abs_eta_max;
  bool require_tight;
  float ptcone30_rel_max;
  float etcone20_rel_max;
  float d0sig_max;
  float z0sintheta_max_mm;
  float crack_eta_min;
  float crack_eta_max;
};

/// Electron defaults of the ATLAS Open Data 13 TeV H->ZZ*->4l analysis (HZZAnalysis in the ATLAS outreach C++
/// framework for the 2020 release; ROOT tutorial df106_HiggsToFourLeptons): pt > 7 GeV, |eta| < 2.47,
/// ptcone30/pt < 0.3, etcone20/pt < 0.3, |d0 significance| < 5, |z0 sin(theta)| < 0.5 mm, no tight-ID requirement,
/// no crack veto. (The tutorial code divides lep_trackd0pvunbiased by lep_tracksigd0pvunbiased, but the latter
/// branch already is the significance; here the cut is applied to the significance.)
LeptonCuts ElectronCuts();

/// Muon defaults of the same analysis: pt > 5 GeV, |eta| < 2.5, ptcone30/pt < 0.3, etcone20/pt < 0.3,
/// |d0 significance| < 3, |z0 sin(theta)| < 0.5 mm, no tight-ID requirement.
LeptonCuts MuonCuts();

/// Mask (1 good, 0 not) over the leptons, usable as lep_pt[mask]: type 11 leptons are judged with `electron`,
/// type 13 with `muon`, every other type is never good. Sizes must agree (std::invalid_argument otherwise).
ROOT::RVec<int> GoodLeptons(const ROOT::RVec<unsigned int>& type, const ROOT::RVec<float>& pt,
                            const ROOT::RVec<float>& eta, const ROOT::RVec<bool>& tight,
                            const ROOT::RVec<float>& ptcone30, const ROOT::RVec<float>& etcone20,
                            const ROOT::RVec<float>& d0sig, const ROOT::RVec<float>& z0,
                            const LeptonCuts& electron = ElectronCuts(), const LeptonCuts& muon = MuonCuts());

/// Whether one lepton passes `cuts` (the per-lepton rule used by GoodLeptons).
bool PassesLeptonCuts(const LeptonCuts& cuts, float pt, float eta, bool tight, float ptcone30, float etcone20,
                      float d0sig, float z0);

}  // namespace higgshunt
