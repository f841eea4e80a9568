#include "higgshunt/angles.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "higgshunt/kinematics.hpp"

namespace higgshunt {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Vec3 {
  double x, y, z;
};

Vec3 Spatial(const FourMomentum& p) { return {p.px, p.py, p.pz}; }
double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double Norm(const Vec3& a) { return std::sqrt(Dot(a, a)); }
Vec3 Unit(const Vec3& a) {
  const double n = Norm(a);
  return {a.x / n, a.y / n, a.z / n};
}
double CosAngle(const Vec3& a, const Vec3& b) { return Dot(a, b) / (Norm(a) * Norm(b)); }

/// `p` seen from the rest frame of `frame` (a pure boost along frame's velocity).
FourMomentum ToRestFrame(const FourMomentum& p, const FourMomentum& frame) {
  const Vec3 beta{frame.px / frame.e, frame.py / frame.e, frame.pz / frame.e};
  const double b2 = Dot(beta, beta);
  if (b2 <= 0.0) return p;
  const double gamma = 1.0 / std::sqrt(1.0 - b2);
  const double bp = Dot(beta, Spatial(p));
  const double k = (gamma - 1.0) * bp / b2 - gamma * p.e;
  return {p.px + k * beta.x, p.py + k * beta.y, p.pz + k * beta.z, gamma * (p.e - bp)};
}

/// Signed angle: arccos of `cosine` (clamped against rounding) with the sign of `orientation`.
double SignedAngle(double cosine, double orientation) {
  return std::copysign(std::acos(std::clamp(cosine, -1.0, 1.0)), orientation);
}

}  // namespace

DecayAngles FourLeptonAngles(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta, const ROOT::RVec<float>& phi,
                             const ROOT::RVec<float>& e, const ROOT::RVec<int>& charge, int i1, int i2, int i3,
                             int i4) {
  detail::RequireEqualSizes("FourLeptonAngles", {{"pt", pt.size()},
                                                 {"eta", eta.size()},
                                                 {"phi", phi.size()},
                                                 {"e", e.size()},
                                                 {"charge", charge.size()}});
  const DecayAngles invalid{kNaN, kNaN, kNaN, kNaN, kNaN};
  const std::array<int, 4> index{i1, i2, i3, i4};
  for (const int i : index)
    if (i >= 0 && static_cast<std::size_t>(i) >= pt.size())
      throw std::out_of_range("FourLeptonAngles: index " + std::to_string(i) + " out of range for " +
                              std::to_string(pt.size()) + " leptons");
  if (std::any_of(index.begin(), index.end(), [](int i) { return i < 0; })) return invalid;
  const auto at = [&](int i) { return static_cast<std::size_t>(i); };
  if (charge[at(i1)] * charge[at(i2)] >= 0 || charge[at(i3)] * charge[at(i4)] >= 0) return invalid;

  // Negative lepton first in each pair.
  const auto momentum = [&](int i) { return ToFourMomentum(pt[at(i)], eta[at(i)], phi[at(i)], e[at(i)]); };
  const bool swap1 = charge[at(i1)] > 0;
  const bool swap2 = charge[at(i3)] > 0;
  const FourMomentum lab11 = momentum(swap1 ? i2 : i1), lab12 = momentum(swap1 ? i1 : i2);
  const FourMomentum lab21 = momentum(swap2 ? i4 : i3), lab22 = momentum(swap2 ? i3 : i4);
  const FourMomentum x = lab11 + lab12 + lab21 + lab22;

  // Everything in the X rest frame.
  const FourMomentum l11 = ToRestFrame(lab11, x), l12 = ToRestFrame(lab12, x);
  const FourMomentum l21 = ToRestFrame(lab21, x), l22 = ToRestFrame(lab22, x);
  const FourMomentum z1 = l11 + l12, z2 = l21 + l22;
  const Vec3 q1 = Spatial(z1);
  const Vec3 beam{0.0, 0.0, 1.0};
  const Vec3 n1 = Unit(Cross(Spatial(l11), Spatial(l12)));
  const Vec3 n2 = Unit(Cross(Spatial(l21), Spatial(l22)));
  const Vec3 nsc = Unit(Cross(beam, q1));

  DecayAngles out{};
  out.cos_theta_star = static_cast<float>(q1.z / Norm(q1));
  out.phi = static_cast<float>(SignedAngle(-Dot(n1, n2), Dot(q1, Cross(n1, n2))));
  out.phi1 = static_cast<float>(SignedAngle(Dot(n1, nsc), Dot(q1, Cross(n1, nsc))));
  // theta1: in the Z1 rest frame, between its negative lepton and the direction opposite to Z2 (theta2 likewise).
  out.cos_theta1 = static_cast<float>(-CosAngle(Spatial(ToRestFrame(z2, z1)), Spatial(ToRestFrame(l11, z1))));
  out.cos_theta2 = static_cast<float>(-CosAngle(Spatial(ToRestFrame(z1, z2)), Spatial(ToRestFrame(l21, z2))));
  return out;
}

}  // namespace higgshunt
