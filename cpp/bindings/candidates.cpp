// numpy interface to candidates.hpp: one candidate per event, returned as a dict of numpy arrays (one per field).
#include "higgshunt/candidates.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "jagged.hpp"

namespace higgshunt::bindings {

namespace {

using FloatArray = Flat<float>::Array;
using OffsetArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

/// Jagged lepton columns sharing one offsets array.
struct Leptons {
  Leptons(FloatArray pt_, FloatArray eta_, FloatArray phi_, FloatArray e_, Flat<int>::Array charge_,
          Flat<unsigned int>::Array type_, OffsetArray offsets_)
      : pt(std::move(pt_)), eta(std::move(eta_)), phi(std::move(phi_)), e(std::move(e_)), charge(std::move(charge_)),
        type(std::move(type_)), offsets(std::move(offsets_), pt.size(), "pt") {
    for (const auto& [n, name] : {std::pair{eta.size(), "eta"}, {phi.size(), "phi"}, {e.size(), "e"},
                                  {charge.size(), "charge"}, {type.size(), "type"}})
      offsets.require_size(n, name);
  }
  Flat<float> pt, eta, phi, e;
  Flat<int> charge;
  Flat<unsigned int> type;
  Offsets offsets;
};

/// A dict of equally long numpy arrays, one per field of a candidate struct, filled through raw pointers.
class Columns {
public:
  explicit Columns(std::size_t n_events) : n_(static_cast<py::ssize_t>(n_events)) {}
  template <typename T>
  T* add(const char* name) {
    py::array_t<T> column(n_);
    columns_[name] = column;
    return column.mutable_data();
  }
  py::dict release() { return std::move(columns_); }

private:
  py::ssize_t n_;
  py::dict columns_;
};

py::dict build_four_lepton_candidates(FloatArray pt, FloatArray eta, FloatArray phi, FloatArray e,
                                      Flat<int>::Array charge, Flat<unsigned int>::Array type, OffsetArray offsets,
                                      float z_mass) {
  const Leptons l(std::move(pt), std::move(eta), std::move(phi), std::move(e), std::move(charge), std::move(type),
                  std::move(offsets));
  Columns out(l.offsets.n_events());
  bool* valid = out.add<bool>("valid");
  float* m12 = out.add<float>("m12");
  float* m34 = out.add<float>("m34");
  float* m4l = out.add<float>("m4l");
  int* i1 = out.add<int>("i1");
  int* i2 = out.add<int>("i2");
  int* i3 = out.add<int>("i3");
  int* i4 = out.add<int>("i4");
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < l.offsets.n_events(); ++i) {
      const auto& o = l.offsets;
      const FourLeptonCandidate c = BuildFourLeptonCandidate(
          l.pt.view(o, i), l.eta.view(o, i), l.phi.view(o, i), l.e.view(o, i), l.charge.view(o, i), l.type.view(o, i),
          z_mass);
      valid[i] = c.valid;
      m12[i] = c.m12;
      m34[i] = c.m34;
      m4l[i] = c.m4l;
      i1[i] = c.i1;
      i2[i] = c.i2;
      i3[i] = c.i3;
      i4[i] = c.i4;
    }
  }
  return out.release();
}

py::dict build_three_lepton_candidates(FloatArray pt, FloatArray eta, FloatArray phi, FloatArray e,
                                       Flat<int>::Array charge, Flat<unsigned int>::Array type, FloatArray met,
                                       FloatArray met_phi, OffsetArray offsets, float z_mass) {
  const Leptons l(std::move(pt), std::move(eta), std::move(phi), std::move(e), std::move(charge), std::move(type),
                  std::move(offsets));
  const std::size_t n_events = l.offsets.n_events();
  for (const auto& [array, name] : {std::pair{&met, "met"}, {&met_phi, "met_phi"}})
    if (array->ndim() != 1 || static_cast<std::size_t>(array->size()) != n_events)
      throw std::invalid_argument(std::string(name) + ": expected a 1-d array of " + std::to_string(n_events) +
                                  " events, got " + std::to_string(array->size()) + " values");
  Columns out(n_events);
  bool* valid = out.add<bool>("valid");
  int* n_muons = out.add<int>("n_muons");
  int* flavour_code = out.add<int>("flavour_code");
  bool* has_z = out.add<bool>("has_z");
  float* m_z = out.add<float>("m_z");
  int* z_i1 = out.add<int>("z_i1");
  int* z_i2 = out.add<int>("z_i2");
  int* w_i = out.add<int>("w_i");
  float* m3l = out.add<float>("m3l");
  float* mt_w = out.add<float>("mt_w");
  const float* met_values = met.data();
  const float* met_phi_values = met_phi.data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n_events; ++i) {
      const auto& o = l.offsets;
      const ThreeLeptonCandidate c = BuildThreeLeptonCandidate(
          l.pt.view(o, i), l.eta.view(o, i), l.phi.view(o, i), l.e.view(o, i), l.charge.view(o, i), l.type.view(o, i),
          met_values[i], met_phi_values[i], z_mass);
      valid[i] = c.valid;
      n_muons[i] = c.n_muons;
      flavour_code[i] = c.flavour_code;
      has_z[i] = c.has_z;
      m_z[i] = c.m_z;
      z_i1[i] = c.z_i1;
      z_i2[i] = c.z_i2;
      w_i[i] = c.w_i;
      m3l[i] = c.m3l;
      mt_w[i] = c.mt_w;
    }
  }
  return out.release();
}

}  // namespace

void register_candidates(py::module_& m) {
  m.def("build_four_lepton_candidates", &build_four_lepton_candidates, py::arg("pt"), py::arg("eta"), py::arg("phi"),
        py::arg("e"), py::arg("charge"), py::arg("type"), py::arg("offsets"), py::kw_only(),
        py::arg("z_mass") = 91187.6f,
        "One ZZ* -> 4l candidate per event: dict of arrays valid, m12, m34, m4l, i1..i4 (positions within the event).");
  m.def("build_three_lepton_candidates", &build_three_lepton_candidates, py::arg("pt"), py::arg("eta"),
        py::arg("phi"), py::arg("e"), py::arg("charge"), py::arg("type"), py::arg("met"), py::arg("met_phi"),
        py::arg("offsets"), py::kw_only(), py::arg("z_mass") = 91187.6f,
        "One WZ -> 3l candidate per event from its first three leptons: dict of arrays valid, n_muons, flavour_code,\n"
        "has_z, m_z, z_i1, z_i2, w_i, m3l, mt_w.");
}

}  // namespace higgshunt::bindings
