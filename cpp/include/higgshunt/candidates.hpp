// Multi-lepton candidates: Z -> ll pairings for four-lepton (H -> ZZ* -> 4l) and three-lepton (WZ) final states.
//
// Shared conventions:
//  - A same-flavour opposite-charge (SFOS) pair is two leptons with equal `type` and charge[i] * charge[j] < 0.
//  - "Closest to z_mass" compares |m_ij - z_mass|; among equally close pairs the first in the order
//    (0,1), (0,2), ..., (1,2), ... wins. Pairs whose mass is NaN are never chosen.
//  - Within a pair the lower position comes first (i1 < i2, i3 < i4, z_i1 < z_i2).
//  - Units follow the input (MeV for ATLAS Open Data, hence z_mass = 91187.6 MeV by default); masses as in
//    kinematics.hpp (double inside, signed sqrt of m^2). Sizes must agree (std::invalid_argument otherwise).
#pragma once

#include <ROOT/RVec.hxx>

namespace higgshunt {

/// A ZZ* -> 4l candidate. i1, i2 form the leading pair Z1 (mass m12), i3, i4 the subleading pair Z2 (mass m34).
/// When `valid` is false the masses are NaN and the indices -1.
struct FourLeptonCandidate {
  bool valid;
  float m12;
  float m34;
  float m4l;
  int i1, i2, i3, i4;
};

/// Z1 = the SFOS pair with mass closest to z_mass among all leptons; Z2 = the SFOS pair closest to z_mass among the
/// leptons not in Z1. With more than four leptons both choices range over all of them (greedy: Z1 first). Whether
/// two disjoint SFOS pairs exist does not depend on which Z1 is taken, so the greedy choice never misses a valid
/// candidate. valid = false when no two disjoint SFOS pairs exist (fewer than four leptons, one charge only, ...).
/// m4l is the invariant mass of the four chosen leptons.
FourLeptonCandidate BuildFourLeptonCandidate(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                             const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                             const ROOT::RVec<int>& charge, const ROOT::RVec<unsigned int>& type,
                                             float z_mass = 91187.6f);

/// A WZ -> 3l candidate built from the first three leptons.
///  valid         at least three leptons were given and the first three all have type 11 or 13.
///  n_muons       number of muons among the three (-1 when not valid).
///  flavour_code  = n_muons: 0 eee, 1 eemu, 2 emumu, 3 mumumu (-1 when not valid).
///  has_z         an SFOS pair exists among the three.
///  m_z           mass of the SFOS pair closest to z_mass (NaN without a pair).
///  z_i1, z_i2    positions of that pair; w_i the remaining lepton (all -1 without a pair).
///  m3l           invariant mass of the three leptons (NaN when not valid).
///  mt_w          TransverseMass of lepton w_i with the missing transverse momentum (NaN without a pair).
struct ThreeLeptonCandidate {
  bool valid;
  int n_muons;
  int flavour_code;
  bool has_z;
  float m_z;
  int z_i1, z_i2, w_i;
  float m3l;
  float mt_w;
};

/// See ThreeLeptonCandidate. Leptons after the third are ignored (the caller pre-selects exactly three).
ThreeLeptonCandidate BuildThreeLeptonCandidate(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                               const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                               const ROOT::RVec<int>& charge, const ROOT::RVec<unsigned int>& type,
                                               float met, float met_phi, float z_mass = 91187.6f);

}  // namespace higgshunt
