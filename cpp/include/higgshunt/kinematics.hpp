// Kinematics of sets of objects given as (pt, eta, phi, E) RVecs: invariant and transverse masses, rapidities,
// angular distances and the transverse momentum of a system.
//
// Conventions shared by every function here:
//  - Units follow the input (ATLAS Open Data: MeV); angles in radians. Sums are computed in double, results are
//    returned as float.
//  - Vectors describing the same objects must have equal sizes; otherwise std::invalid_argument is thrown with a
//    message naming the function and the sizes, e.g. "InvariantMass: sizes differ (pt 4, eta 3, phi 4, e 4)".
//  - NaN and infinite inputs are not filtered: they propagate through IEEE arithmetic (a NaN input gives a NaN
//    result; inf may give inf or NaN).
//  - A mass is computed from m^2 = E^2 - |p|^2 and returned as sqrt(m^2), or as -sqrt(-m^2) when rounding makes
//    m^2 negative (the convention of ROOT::Math::LorentzVector::M() and of the `vector` package).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>

#include <ROOT/RVec.hxx>

namespace higgshunt {

using RVecF = ROOT::RVec<float>;
using RVecI = ROOT::RVec<int>;

/// Cartesian four-momentum in double precision (units of the input).
struct FourMomentum {
  double px;
  double py;
  double pz;
  double e;
};

/// (pt, eta, phi, E) -> (px, py, pz, E) with pz = pt sinh(eta).
FourMomentum ToFourMomentum(float pt, float eta, float phi, float e);

/// Component-wise sum.
FourMomentum operator+(const FourMomentum& a, const FourMomentum& b);

/// Signed mass: sqrt(m^2), or -sqrt(-m^2) for negative m^2.
double Mass(const FourMomentum& p);

namespace detail {
/// Throws std::invalid_argument "<function>: sizes differ (pt 4, eta 3, ...)" unless all sizes are equal.
void RequireEqualSizes(const char* function, std::initializer_list<std::pair<const char*, std::size_t>> sizes);
}  // namespace detail

/// Invariant mass of all given objects; 0 for an empty set.
float InvariantMass(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e);

/// Invariant mass of the objects selected by `indices` (positions into pt/eta/phi/e; repeats count twice).
/// An index that is negative or >= pt.size() throws std::out_of_range ("InvariantMass: index 7 out of range for 4
/// objects"): such an index is a bug of the caller, never a property of the event. 0 for no indices.
float InvariantMass(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e, const RVecI& indices);

/// Invariant masses m_ij of all pairs i < j, in the order (0,1), (0,2), ..., (0,n-1), (1,2), ...;
/// n (n - 1) / 2 values, empty for fewer than two objects.
RVecF PairMasses(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e);

/// Transverse mass of a massless object and the missing transverse momentum: sqrt(2 pt met (1 - cos dphi)).
float TransverseMass(float pt, float phi, float met, float met_phi);

/// Rapidity y = 0.5 ln((E + pz) / (E - pz)) of each object. +-inf for E = |pz|, NaN for E < |pz| (unphysical input).
RVecF Rapidity(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& e);

/// phi1 - phi2 wrapped into [-pi, pi) (in float: [-float(pi), float(pi))).
float DeltaPhi(float phi1, float phi2);

/// sqrt(deta^2 + dphi^2) with dphi wrapped as in DeltaPhi.
float DeltaR(float eta1, float phi1, float eta2, float phi2);

/// Magnitude of the vector sum of the transverse momenta; 0 for no objects.
float SystemPt(const RVecF& pt, const RVecF& phi);

/// Positions of the objects sorted by decreasing pt (stable: equal pt keep their order; NaN pt go last).
RVecI SortedByPt(const RVecF& pt);

}  // namespace higgshunt
