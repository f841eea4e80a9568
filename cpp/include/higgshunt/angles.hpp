// Production and decay angles of H -> ZZ* -> 4l (Gao et al., PRD 81 (2010) 075022; Bolognesi et al., PRD 86 (2012)
// 095031), the angles the LHC experiments use to separate a scalar resonance from the ZZ continuum.
//
// Conventions:
//  - X = the four-lepton system; Z1 = leptons (i1, i2), Z2 = leptons (i3, i4), as in FourLeptonCandidate.
//  - In each pair the negatively charged lepton is the "fermion" that defines theta1 / theta2 and the orientation
//    of the decay planes; a pair without opposite charges has no defined orientation and gives NaN angles.
//  - cos_theta_star: Z1 direction in the X rest frame with respect to the beam (z) axis.
//  - cos_theta1 (cos_theta2): angle between the negative lepton of Z1 (Z2) and the direction opposite to Z2 (Z1),
//    both in the Z1 (Z2) rest frame.
//  - phi: signed angle between the two decay planes, phi1: signed angle between the Z1 decay plane and the plane of
//    the beam axis and Z1, both in the X rest frame, in [-pi, pi].
//  - Angles are unitless, so the inputs' units (MeV for ATLAS Open Data) do not matter. Computed in double.
#pragma once

#include <ROOT/RVec.hxx>

namespace higgshunt {

/// The five angles of a ZZ* -> 4l candidate (all NaN when the candidate is invalid).
struct DecayAngles {
  float cos_theta_star;
  float cos_theta1;
  float cos_theta2;
  float phi;
  float phi1;
};

/// Angles of the candidate made of leptons (i1, i2) = Z1 and (i3, i4) = Z2. Any negative index (an invalid
/// FourLeptonCandidate) gives NaN angles; an index past the end throws std::out_of_range, unequal sizes throw
/// std::invalid_argument.
DecayAngles FourLeptonAngles(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta, const ROOT::RVec<float>& phi,
                             const ROOT::RVec<float>& e, const ROOT::RVec<int>& charge, int i1, int i2, int i3, int i4);

}  // namespace higgshunt
