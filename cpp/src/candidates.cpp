#include "higgshunt/candidates.hpp"

#include <cmath>
#include <limits>

#include "higgshunt/kinematics.hpp"

namespace higgshunt {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr unsigned int kElectron = 11;
constexpr unsigned int kMuon = 13;

struct Pair {
  int i = -1;
  int j = -1;
  double mass = std::numeric_limits<double>::quiet_NaN();
  bool found() const { return i >= 0; }
};

struct Leptons {
  ROOT::RVec<FourMomentum> p;
  const ROOT::RVec<int>& charge;
  const ROOT::RVec<unsigned int>& type;
};

Leptons Convert(const char* function, const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e, const ROOT::RVec<int>& charge,
                const ROOT::RVec<unsigned int>& type, std::size_t n) {
  detail::RequireEqualSizes(function, {{"pt", pt.size()},
                                       {"eta", eta.size()},
                                       {"phi", phi.size()},
                                       {"e", e.size()},
                                       {"charge", charge.size()},
                                       {"type", type.size()}});
  Leptons leptons{ROOT::RVec<FourMomentum>(n), charge, type};
  for (std::size_t i = 0; i < n; ++i) leptons.p[i] = ToFourMomentum(pt[i], eta[i], phi[i], e[i]);
  return leptons;
}

/// The SFOS pair among the converted leptons, skipping positions `skip_a` and `skip_b`, closest to z_mass.
Pair ClosestSfosPair(const Leptons& leptons, double z_mass, int skip_a = -1, int skip_b = -1) {
  Pair best;
  double best_distance = 0;
  const int n = static_cast<int>(leptons.p.size());
  for (int i = 0; i + 1 < n; ++i) {
    if (i == skip_a || i == skip_b) continue;
    for (int j = i + 1; j < n; ++j) {
      if (j == skip_a || j == skip_b) continue;
      const auto si = static_cast<std::size_t>(i), sj = static_cast<std::size_t>(j);
      if (leptons.type[si] != leptons.type[sj] || leptons.charge[si] * leptons.charge[sj] >= 0) continue;
      const double mass = Mass(leptons.p[si] + leptons.p[sj]);
      const double distance = std::abs(mass - z_mass);
      if (std::isnan(distance) || (best.found() && !(distance < best_distance))) continue;
      best = Pair{i, j, mass};
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

FourLeptonCandidate BuildFourLeptonCandidate(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                             const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                             const ROOT::RVec<int>& charge, const ROOT::RVec<unsigned int>& type,
                                             float z_mass) {
  FourLeptonCandidate candidate{false, kNaN, kNaN, kNaN, -1, -1, -1, -1};
  const Leptons leptons = Convert("BuildFourLeptonCandidate", pt, eta, phi, e, charge, type, pt.size());
  const Pair z1 = ClosestSfosPair(leptons, z_mass);
  if (!z1.found()) return candidate;
  const Pair z2 = ClosestSfosPair(leptons, z_mass, z1.i, z1.j);
  if (!z2.found()) return candidate;
  const auto at = [&leptons](int i) { return leptons.p[static_cast<std::size_t>(i)]; };
  const FourMomentum four = at(z1.i) + at(z1.j) + at(z2.i) + at(z2.j);
  return FourLeptonCandidate{true,
                             static_cast<float>(z1.mass),
                             static_cast<float>(z2.mass),
                             static_cast<float>(Mass(four)),
                             z1.i,
                             z1.j,
                             z2.i,
                             z2.j};
}

ThreeLeptonCandidate BuildThreeLeptonCandidate(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                               const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                               const ROOT::RVec<int>& charge, const ROOT::RVec<unsigned int>& type,
                                               float met, float met_phi, float z_mass) {
  ThreeLeptonCandidate candidate{false, -1, -1, false, kNaN, -1, -1, -1, kNaN, kNaN};
  constexpr std::size_t kThree = 3;
  const std::size_t n = pt.size() < kThree ? pt.size() : kThree;
  const Leptons leptons = Convert("BuildThreeLeptonCandidate", pt, eta, phi, e, charge, type, n);
  if (n < kThree) return candidate;
  int n_muons = 0;
  for (std::size_t i = 0; i < kThree; ++i) {
    if (type[i] != kElectron && type[i] != kMuon) return candidate;
    n_muons += type[i] == kMuon;
  }
  candidate.valid = true;
  candidate.n_muons = n_muons;
  candidate.flavour_code = n_muons;
  candidate.m3l = static_cast<float>(Mass(leptons.p[0] + leptons.p[1] + leptons.p[2]));
  const Pair z = ClosestSfosPair(leptons, z_mass);
  if (!z.found()) return candidate;
  // The three positions sum to 0 + 1 + 2 = 3, so the lepton outside the pair is 3 - i - j.
  const int w = 3 - z.i - z.j;
  const auto sw = static_cast<std::size_t>(w);
  candidate.has_z = true;
  candidate.m_z = static_cast<float>(z.mass);
  candidate.z_i1 = z.i;
  candidate.z_i2 = z.j;
  candidate.w_i = w;
  candidate.mt_w = TransverseMass(pt[sw], phi[sw], met, met_phi);
  return candidate;
}

}  // namespace higgshunt
