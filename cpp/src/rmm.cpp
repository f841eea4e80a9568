// Rapidity-Mass Matrix; cell definitions and references in higgshunt/rmm.hpp.
#include "higgshunt/rmm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_set>

namespace higgshunt {

namespace {

/// The kinematics an object contributes to its row and column.
struct SlotObject {
  double px, py, pz, e, et, y;
  double exp_half_y;  // exp(y / 2): turns every h_ij into arithmetic, see rapidity_cell
};

SlotObject make_slot_object(float pt, float eta, float phi, float e) {
  SlotObject o{};
  o.px = pt * std::cos(static_cast<double>(phi));
  o.py = pt * std::sin(static_cast<double>(phi));
  o.pz = pt * std::sinh(static_cast<double>(eta));
  o.e = e;
  const double pt_d = pt;
  o.et = pt > 0.0f ? o.e * pt_d / std::sqrt(pt_d * pt_d + o.pz * o.pz) : 0.0;  // E pT / |p|
  // For nearly massless objects float rounding can give E <= |pz|; the rapidity is then the pseudorapidity.
  o.y = o.e > std::abs(o.pz) ? 0.5 * std::log((o.e + o.pz) / (o.e - o.pz)) : static_cast<double>(eta);
  o.exp_half_y = std::exp(0.5 * o.y);
  return o;
}

/// cosh((y_a - y_b) / 2) - 1 = (u_a - u_b)^2 / (2 u_a u_b) with u = exp(y / 2): no cosh per pair and no
/// cancellation for nearby rapidities.
double rapidity_cell(const SlotObject& a, const SlotObject& b) {
  const double d = a.exp_half_y - b.exp_half_y;
  return d * d / (2.0 * a.exp_half_y * b.exp_half_y);
}

double pair_mass(const SlotObject& a, const SlotObject& b) {
  const double e = a.e + b.e, px = a.px + b.px, py = a.py + b.py, pz = a.pz + b.pz;
  return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz));
}

bool valid_values(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta, const ROOT::RVec<float>& phi,
                  const ROOT::RVec<float>& e, float met, float met_phi) {
  if (!std::isfinite(met) || !std::isfinite(met_phi) || met < 0.0f) return false;
  for (std::size_t i = 0; i < pt.size(); ++i) {
    if (!std::isfinite(pt[i]) || !std::isfinite(eta[i]) || !std::isfinite(phi[i]) || !std::isfinite(e[i]))
      return false;
    if (pt[i] < 0.0f || e[i] < 0.0f) return false;
  }
  return true;
}

}  // namespace

RMMBuilder::RMMBuilder(std::vector<int> slots_per_type, double sqrt_s, double c)
    : slots_(std::move(slots_per_type)), size_(1), sqrt_s_(sqrt_s), c_(c) {
  if (slots_.empty()) throw std::invalid_argument("RMMBuilder: slots_per_type must not be empty");
  for (std::size_t t = 0; t < slots_.size(); ++t) {
    if (slots_[t] < 1)
      throw std::invalid_argument("RMMBuilder: slots_per_type[" + std::to_string(t) + "] = " +
                                  std::to_string(slots_[t]) + ", expected >= 1");
    first_row_.push_back(size_);
    size_ += static_cast<std::size_t>(slots_[t]);
  }
  if (!std::isfinite(sqrt_s_) || sqrt_s_ <= 0.0)
    throw std::invalid_argument("RMMBuilder: sqrt_s = " + std::to_string(sqrt_s_) + ", expected > 0 and finite");
  if (!std::isfinite(c_)) throw std::invalid_argument("RMMBuilder: c = " + std::to_string(c_) + ", expected finite");
}

ROOT::RVec<float> RMMBuilder::operator()(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                         const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                         const ROOT::RVec<int>& type, float met, float met_phi) const {
  ROOT::RVec<float> out(size_ * size_);
  fill(pt, eta, phi, e, type, met, met_phi, out.data());
  return out;
}

void RMMBuilder::fill(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta, const ROOT::RVec<float>& phi,
                      const ROOT::RVec<float>& e, const ROOT::RVec<int>& type, float met, float met_phi,
                      float* out) const {
  const std::size_t n = pt.size();
  if (eta.size() != n || phi.size() != n || e.size() != n || type.size() != n)
    throw std::invalid_argument("RMM: input sizes differ: pt " + std::to_string(n) + ", eta " +
                                std::to_string(eta.size()) + ", phi " + std::to_string(phi.size()) + ", e " +
                                std::to_string(e.size()) + ", type " + std::to_string(type.size()));
  const int n_types = static_cast<int>(slots_.size());
  for (std::size_t i = 0; i < n; ++i)
    if (type[i] < 0 || type[i] >= n_types)
      throw std::invalid_argument("RMM: object " + std::to_string(i) + " has type " + std::to_string(type[i]) +
                                  ", expected 0.." + std::to_string(n_types - 1));

  const std::size_t cells = size_ * size_;
  if (!valid_values(pt, eta, phi, e, met, met_phi)) {
    std::fill(out, out + cells, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  std::fill(out, out + cells, 0.0f);

  // Per-thread scratch space keeps the call allocation-free after the first event and the builder const.
  thread_local std::vector<std::size_t> order;
  thread_local std::vector<SlotObject> slot_objects;
  thread_local std::vector<char> filled;
  thread_local std::vector<int> taken;
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {  // ties keep input order
    if (type[a] != type[b]) return type[a] < type[b];
    if (pt[a] != pt[b]) return pt[a] > pt[b];
    return a < b;
  });
  slot_objects.assign(size_, SlotObject{});
  filled.assign(size_, 0);
  taken.assign(slots_.size(), 0);
  for (const std::size_t i : order) {
    const auto t = static_cast<std::size_t>(type[i]);
    if (taken[t] == slots_[t]) continue;  // beyond this type's slots: dropped
    const std::size_t row = first_row_[t] + static_cast<std::size_t>(taken[t]++);
    slot_objects[row] = make_slot_object(pt[i], eta[i], phi[i], e[i]);
    filled[row] = 1;
  }

  const double inv_sqrt_s = 1.0 / sqrt_s_;
  const double met_x = met * std::cos(static_cast<double>(met_phi));
  const double met_y = met * std::sin(static_cast<double>(met_phi));
  out[0] = static_cast<float>(met * inv_sqrt_s);
  for (std::size_t r = 1; r < size_; ++r) {
    if (!filled[r]) continue;
    const SlotObject& o = slot_objects[r];
    if (met > 0.0f) {
      const double et = o.et + met, px = o.px + met_x, py = o.py + met_y;
      out[r] = static_cast<float>(std::sqrt(std::max(0.0, et * et - px * px - py * py)) * inv_sqrt_s);
    }
    const double sinh_half_y = 0.5 * (o.exp_half_y - 1.0 / o.exp_half_y);
    out[r * size_] = static_cast<float>(c_ * 2.0 * sinh_half_y * sinh_half_y);  // cosh y - 1 = 2 sinh^2(y / 2)
    const bool leading = std::find(first_row_.begin(), first_row_.end(), r) != first_row_.end();
    double diagonal = o.et * inv_sqrt_s;
    if (!leading) {  // slots fill from the leading one, so the previous row holds the same type's next-harder object
      const double previous = slot_objects[r - 1].et, sum = previous + o.et;
      diagonal = sum > 0.0 ? (previous - o.et) / sum : 0.0;
    }
    out[r * size_ + r] = static_cast<float>(diagonal);
    for (std::size_t q = r + 1; q < size_; ++q) {
      if (!filled[q]) continue;
      const SlotObject& p = slot_objects[q];
      out[r * size_ + q] = static_cast<float>(pair_mass(o, p) * inv_sqrt_s);
      out[q * size_ + r] = static_cast<float>(c_ * rapidity_cell(o, p));
    }
  }
}

std::vector<std::string> RMMBuilder::cell_names(const std::vector<std::string>& type_names) const {
  if (type_names.size() != slots_.size())
    throw std::invalid_argument("RMM cell names: " + std::to_string(type_names.size()) + " type names for " +
                                std::to_string(slots_.size()) + " types");
  std::unordered_set<std::string> seen;
  for (const auto& name : type_names)
    if (name.empty() || !seen.insert(name).second)
      throw std::invalid_argument("RMM cell names: type names must be distinct and non-empty, got '" + name + "'");

  std::vector<std::string> objects(size_);  // objects[0] is unused: row/column 0 is MET
  for (std::size_t t = 0; t < slots_.size(); ++t)
    for (int k = 0; k < slots_[t]; ++k)
      objects[first_row_[t] + static_cast<std::size_t>(k)] = type_names[t] + std::to_string(k + 1);

  std::vector<std::string> names;
  names.reserve(size_ * size_);
  for (std::size_t r = 0; r < size_; ++r)
    for (std::size_t q = 0; q < size_; ++q) {
      if (r == 0 && q == 0) names.emplace_back("MET");
      else if (r == 0) names.push_back("mT_" + objects[q]);
      else if (q == 0) names.push_back("hL_" + objects[r]);
      else if (r == q) {
        const bool leading = std::find(first_row_.begin(), first_row_.end(), r) != first_row_.end();
        names.push_back((leading ? "ET_" : "dET_") + objects[r]);
      } else if (r < q) names.push_back("m_" + objects[r] + "_" + objects[q]);
      else names.push_back("h_" + objects[q] + "_" + objects[r]);
    }
  return names;
}

ROOT::RVec<float> RapidityMassMatrix(const ROOT::RVec<float>& pt, const ROOT::RVec<float>& eta,
                                     const ROOT::RVec<float>& phi, const ROOT::RVec<float>& e,
                                     const ROOT::RVec<int>& type, float met, float met_phi,
                                     const std::vector<int>& slots, double sqrt_s, double c) {
  return RMMBuilder(slots, sqrt_s, c)(pt, eta, phi, e, type, met, met_phi);
}

}  // namespace higgshunt
