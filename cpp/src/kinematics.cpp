#include "higgshunt/kinematics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace higgshunt {

namespace {

constexpr double kPi = 3.14159265358979323846;
// float(pi) is slightly larger than pi, so a double just below pi rounds up to it: the float range is [-kPiF, kPiF).
constexpr float kPiF = static_cast<float>(kPi);

void RequireMomenta(const char* function, const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e) {
  detail::RequireEqualSizes(function, {{"pt", pt.size()}, {"eta", eta.size()}, {"phi", phi.size()}, {"e", e.size()}});
}

// sinh through one exp: cheaper than std::sinh, whose extra care for |x| -> 0 only matters for relative
// precision of pz ~ pt * eta far below the float precision of the inputs.
double FastSinh(double x) {
  const double ex = std::exp(x);
  return 0.5 * (ex - 1.0 / ex);
}

}  // namespace

namespace detail {
void RequireEqualSizes(const char* function, std::initializer_list<std::pair<const char*, std::size_t>> sizes) {
  const std::size_t first = sizes.begin()->second;
  if (std::all_of(sizes.begin(), sizes.end(), [first](const auto& s) { return s.second == first; })) return;
  std::string message = std::string(function) + ": sizes differ (";
  for (const auto& [name, size] : sizes) message += std::string(name) + " " + std::to_string(size) + ", ";
  message.resize(message.size() - 2);
  throw std::invalid_argument(message + ")");
}
}  // namespace detail

FourMomentum ToFourMomentum(float pt, float eta, float phi, float e) {
  const double p_t = pt;
  return {p_t * std::cos(double{phi}), p_t * std::sin(double{phi}), p_t * FastSinh(eta), double{e}};
}

FourMomentum operator+(const FourMomentum& a, const FourMomentum& b) {
  return {a.px + b.px, a.py + b.py, a.pz + b.pz, a.e + b.e};
}

double Mass(const FourMomentum& p) {
  const double m2 = p.e * p.e - (p.px * p.px + p.py * p.py + p.pz * p.pz);
  return m2 >= 0 ? std::sqrt(m2) : -std::sqrt(-m2);
}

float InvariantMass(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e) {
  RequireMomenta("InvariantMass", pt, eta, phi, e);
  FourMomentum sum{0, 0, 0, 0};
  for (std::size_t i = 0; i < pt.size(); ++i) sum = sum + ToFourMomentum(pt[i], eta[i], phi[i], e[i]);
  return static_cast<float>(Mass(sum));
}

float InvariantMass(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e, const RVecI& indices) {
  RequireMomenta("InvariantMass", pt, eta, phi, e);
  FourMomentum sum{0, 0, 0, 0};
  for (const int index : indices) {
    if (index < 0 || static_cast<std::size_t>(index) >= pt.size())
      throw std::out_of_range("InvariantMass: index " + std::to_string(index) + " out of range for " +
                              std::to_string(pt.size()) + " objects");
    const auto i = static_cast<std::size_t>(index);
    sum = sum + ToFourMomentum(pt[i], eta[i], phi[i], e[i]);
  }
  return static_cast<float>(Mass(sum));
}

RVecF PairMasses(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e) {
  RequireMomenta("PairMasses", pt, eta, phi, e);
  const std::size_t n = pt.size();
  RVecF masses;
  if (n < 2) return masses;
  masses.reserve(n * (n - 1) / 2);
  // Convert each object once instead of once per pair.
  ROOT::RVec<FourMomentum> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = ToFourMomentum(pt[i], eta[i], phi[i], e[i]);
  for (std::size_t i = 0; i + 1 < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) masses.push_back(static_cast<float>(Mass(p[i] + p[j])));
  return masses;
}

float TransverseMass(float pt, float phi, float met, float met_phi) {
  const double dphi = double{phi} - double{met_phi};
  return static_cast<float>(std::sqrt(2.0 * pt * met * (1.0 - std::cos(dphi))));
}

RVecF Rapidity(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e) {
  RequireMomenta("Rapidity", pt, eta, phi, e);
  RVecF y(pt.size());
  for (std::size_t i = 0; i < pt.size(); ++i) {
    const double pz = double{pt[i]} * FastSinh(eta[i]);
    y[i] = static_cast<float>(0.5 * std::log((e[i] + pz) / (e[i] - pz)));
  }
  return y;
}

float DeltaPhi(float phi1, float phi2) {
  // std::remainder is exact and lands in [-pi, pi]; only the upper end needs folding.
  const auto d = static_cast<float>(std::remainder(double{phi1} - double{phi2}, 2.0 * kPi));
  return d >= kPiF ? -kPiF : d;
}

float DeltaR(float eta1, float phi1, float eta2, float phi2) {
  const double deta = double{eta1} - double{eta2};
  const double dphi = DeltaPhi(phi1, phi2);
  return static_cast<float>(std::sqrt(deta * deta + dphi * dphi));
}

float SystemPt(const RVecF& pt, const RVecF& phi) {
  detail::RequireEqualSizes("SystemPt", {{"pt", pt.size()}, {"phi", phi.size()}});
  double px = 0, py = 0;
  for (std::size_t i = 0; i < pt.size(); ++i) {
    px += double{pt[i]} * std::cos(double{phi[i]});
    py += double{pt[i]} * std::sin(double{phi[i]});
  }
  return static_cast<float>(std::hypot(px, py));
}

RVecI SortedByPt(const RVecF& pt) {
  RVecI order(pt.size());
  std::iota(order.begin(), order.end(), 0);
  // NaN compares false with everything, which would break the strict weak ordering: put NaN last explicitly.
  std::stable_sort(order.begin(), order.end(), [&pt](int a, int b) {
    const float pa = pt[static_cast<std::size_t>(a)], pb = pt[static_cast<std::size_t>(b)];
    return !std::isnan(pa) && (std::isnan(pb) || pa > pb);
  });
  return order;
}

}  // namespace higgshunt
