// The Rapidity-Mass Matrix (RMM): a fixed-size image of an event's reconstructed objects for machine learning.
//
// References followed:
//  - S. V. Chekanov, "Imaging particle collision data for event classification using machine learning",
//    Nucl. Instrum. Meth. A 931 (2019) 92, arXiv:1805.11650 (matrix layout, h_L and h_ij with the constant C).
//  - The Map2RMM library of the same author (projectevent.cxx: getMT "exact", getHL, getAngle, getMass and
//    TLorentzVector::Et()), for the exact cell formulas below.
//
// Layout. T object types with N_t slots each give a square matrix of side S = 1 + sum_t N_t, returned
// flattened row-major (cell (r, q) at index r * S + q). Row/column 0 belong to the missing transverse energy;
// rows/columns 1.. hold the slots of type 0, then of type 1, ... (in the order of `slots_per_type`). Within a
// type, objects are sorted by decreasing pT (ties keep input order) and the ones beyond N_t are dropped.
//
// Per object i (massless-safe, computed in double, stored as float):
//   px, py, pz = pT cos(phi), pT sin(phi), pT sinh(eta)
//   E_T(i)     = E pT / |p| = E / cosh(eta)   (TLorentzVector::Et(); 0 for pT = 0; for m = 0 it equals pT)
//   y(i)       = 0.5 ln((E + pz) / (E - pz)); eta when E <= |pz| (rounding of nearly massless inputs)
//
// Cells (sqrt_s in the input's units, e.g. 13e6 for MeV; C = c):
//   (0, 0)          MET / sqrt_s
//   (0, i), i > 0   m_T(i) / sqrt_s,  m_T^2 = (E_T(i) + MET)^2 - (px_i + MET_x)^2 - (py_i + MET_y)^2,
//                   clamped at 0; all 0 when MET = 0 (as in Map2RMM, which fills them only for MET > 0)
//   (i, 0), i > 0   h_L(i) = C (cosh y_i - 1)
//   (i, i)          E_T(i) / sqrt_s for the leading object of its type; for the following ones the imbalance
//                   (E_T(i-1) - E_T(i)) / (E_T(i-1) + E_T(i)) with the previous object of the same type
//                   (0 if both E_T are 0; negative when pT and E_T order differ for massive objects)
//   (i, j), i < j   m_ij / sqrt_s, the invariant mass of the pair (m^2 clamped at 0), across all types
//   (i, j), i > j   h_ij = C (cosh((y_i - y_j) / 2) - 1)
//   Cells of empty slots are 0.
//
// Deviations from Map2RMM: the number of slots may differ per type; C multiplies h_L and h_ij inside the matrix,
// as in the paper (Map2RMM stores cosh(...) - 1 and applies its 0.15 only later, so c = 1 reproduces its cells).
//
// Invalid input:
//  - pt, eta, phi, e, type of different sizes: std::invalid_argument naming the sizes;
//  - a type outside 0..T-1: std::invalid_argument naming the object and its type;
//  - any NaN or infinite value, a negative pT, E or MET: every cell is NaN (the event loop goes on and the event
//    is easy to find and drop downstream, e.g. with `All(isfinite(rmm))`).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <ROOT/RVec.hxx>

namespace higgshunt {

/// Builds RMMs for a fixed layout. Construct once, call per event; calls are const and thread-safe, so one
/// builder can serve every slot of a multi-threaded RDataFrame.
class RMMBuilder {
public:
  /// `slots_per_type`: N_t for t = 0..T-1 (each >= 1). `sqrt_s`: centre-of-mass energy in the input's units.
  /// `c`: the constant C of h_L and h_ij. Throws std::invalid_argument on a bad layout or constant.
  explicit RMMBuilder(std::vector<int> slots_per_type, double sqrt_s = 13.0e6, double c = 0.15);

  /// The flattened S x S matrix of one event. Objects of all types are concatenated; `type` gives each one's type.
  ROOT::RVec<float> operator()(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                               const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                               const ROOT::RVec<int>& type, float met, float met_phi) const;

  /// Same as operator(), written into `out` (size() * size() floats): lets batch callers avoid an allocation.
  void fill(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta, const ROOT::RVec<float>& phi,
            const ROOT::RVec<float>& e, const ROOT::RVec<int>& type, float met, float met_phi, float* out) const;

  /// Side S = 1 + sum of the slots; the matrix has S * S cells.
  std::size_t size() const { return size_; }
  std::size_t n_types() const { return slots_.size(); }
  const std::vector<int>& slots_per_type() const { return slots_; }
  double sqrt_s() const { return sqrt_s_; }
  double c() const { return c_; }

  /// Names of the S * S cells in flattened order, for column names: "MET", "mT_e1", "hL_mu3", "ET_j1" (leading),
  /// "dET_j2" (imbalance), "m_j1_e2" (upper triangle), "h_j1_e2" (lower triangle; objects in slot order).
  /// An object is named by its type name and its 1-based rank. Type names must be T distinct non-empty strings.
  std::vector<std::string> cell_names(const std::vector<std::string>& type_names) const;

private:
  std::vector<int> slots_;
  std::vector<std::size_t> first_row_;  // matrix row of the leading slot of each type
  std::size_t size_;
  double sqrt_s_;
  double c_;
};

/// One-off RMM of one event with a layout given per call (validates the layout each time: prefer RMMBuilder in
/// event loops).
ROOT::RVec<float> RapidityMassMatrix(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                     const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                     const ROOT::RVec<int>& type, float met, float met_phi,
                                     const std::vector<int>& slots, double sqrt_s = 13.0e6, double c = 0.15);

}  // namespace higgshunt
