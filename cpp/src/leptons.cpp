#include "higgshunt/leptons.hpp"

#include <cmath>

#include "higgshunt/kinematics.hpp"

namespace higgshunt {

namespace {
constexpr unsigned int kElectron = 11;
constexpr unsigned int kMuon = 13;
}  // namespace

LeptonCuts ElectronCuts() {
  return LeptonCuts{7000.f, 2.47f, false, 0.3f, 0.3f, 5.f, 0.5f, 0.f, 0.f};
}

LeptonCuts MuonCuts() {
  return LeptonCuts{5000.f, 2.5f, false, 0.3f, 0.3f, 3.f, 0.5f, 0.f, 0.f};
}

bool PassesLeptonCuts(const LeptonCuts& cuts, float pt, float eta, bool tight, float ptcone30, float etcone20,
                      float d0sig, float z0) {
  const double abs_eta = std::abs(double{eta});
  const bool in_crack = cuts.crack_eta_min < abs_eta && abs_eta < cuts.crack_eta_max;
  // Written as "passes" comparisons so that NaN fails every cut.
  return pt > cuts.pt_min && abs_eta < cuts.abs_eta_max && !in_crack && (tight || !cuts.require_tight) &&
         double{ptcone30} / pt < cuts.ptcone30_rel_max && double{etcone20} / pt < cuts.etcone20_rel_max &&
         std::abs(double{d0sig}) < cuts.d0sig_max && std::abs(double{z0} / std::cosh(abs_eta)) < cuts.z0sintheta_max_mm;
}

ROOT::RVec<int> GoodLeptons(const ROOT::RVec<unsigned int>& type, const ROOT::RVec<float>& pt,
                            const ROOT::RVec<float>& eta, const ROOT::RVec<bool>& tight,
                            const ROOT::RVec<float>& ptcone30, const ROOT::RVec<float>& etcone20,
                            const ROOT::RVec<float>& d0sig, const ROOT::RVec<float>& z0, const LeptonCuts& electron,
                            const LeptonCuts& muon) {
  detail::RequireEqualSizes("GoodLeptons", {{"type", type.size()},
                                            {"pt", pt.size()},
                                            {"eta", eta.size()},
                                            {"tight", tight.size()},
                                            {"ptcone30", ptcone30.size()},
                                            {"etcone20", etcone20.size()},
                                            {"d0sig", d0sig.size()},
                                            {"z0", z0.size()}});
  ROOT::RVec<int> good(type.size(), 0);
  for (std::size_t i = 0; i < type.size(); ++i) {
    const LeptonCuts* cuts = type[i] == kElectron ? &electron : type[i] == kMuon ? &muon : nullptr;
    good[i] = cuts != nullptr && PassesLeptonCuts(*cuts, pt[i], eta[i], tight[i], ptcone30[i], etcone20[i], d0sig[i],
                                                  z0[i]);
  }
  return good;
}

}  // namespace higgshunt
