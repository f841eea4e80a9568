// numpy interface to angles.hpp: the five H -> ZZ* -> 4l angles per event, as a dict of numpy arrays.
#include "higgshunt/angles.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "jagged.hpp"

namespace higgshunt::bindings {

namespace {

using FloatArray = Flat<float>::Array;
using IndexArray = py::array_t<int, py::array::c_style | py::array::forcecast>;
using OffsetArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

py::dict four_lepton_angles(FloatArray pt_, FloatArray eta_, FloatArray phi_, FloatArray e_, Flat<int>::Array charge_,
                            OffsetArray offsets_, IndexArray i1, IndexArray i2, IndexArray i3, IndexArray i4) {
  const Flat<float> pt(std::move(pt_)), eta(std::move(eta_)), phi(std::move(phi_)), e(std::move(e_));
  const Flat<int> charge(std::move(charge_));
  const Offsets offsets(std::move(offsets_), pt.size(), "pt");
  for (const auto& [n, name] : {std::pair{eta.size(), "eta"}, {phi.size(), "phi"}, {e.size(), "e"},
                                {charge.size(), "charge"}})
    offsets.require_size(n, name);
  const std::size_t n_events = offsets.n_events();
  const std::array<std::pair<const IndexArray*, const char*>, 4> indices{
      {{&i1, "i1"}, {&i2, "i2"}, {&i3, "i3"}, {&i4, "i4"}}};
  for (const auto& [array, name] : indices)
    if (array->ndim() != 1 || static_cast<std::size_t>(array->size()) != n_events)
      throw std::invalid_argument(std::string(name) + ": expected a 1-d array of " + std::to_string(n_events) +
                                  " events, got " + std::to_string(array->size()) + " values");

  const auto n = static_cast<py::ssize_t>(n_events);
  py::array_t<float> cos_theta_star(n), cos_theta1(n), cos_theta2(n), phi_planes(n), phi1(n);
  float* out_star = cos_theta_star.mutable_data();
  float* out_theta1 = cos_theta1.mutable_data();
  float* out_theta2 = cos_theta2.mutable_data();
  float* out_phi = phi_planes.mutable_data();
  float* out_phi1 = phi1.mutable_data();
  const int *a = i1.data(), *b = i2.data(), *c = i3.data(), *d = i4.data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n_events; ++i) {
      const DecayAngles angles = FourLeptonAngles(pt.view(offsets, i), eta.view(offsets, i), phi.view(offsets, i),
                                                  e.view(offsets, i), charge.view(offsets, i), a[i], b[i], c[i], d[i]);
      out_star[i] = angles.cos_theta_star;
      out_theta1[i] = angles.cos_theta1;
      out_theta2[i] = angles.cos_theta2;
      out_phi[i] = angles.phi;
      out_phi1[i] = angles.phi1;
    }
  }
  py::dict out;
  out["cos_theta_star"] = cos_theta_star;
  out["cos_theta1"] = cos_theta1;
  out["cos_theta2"] = cos_theta2;
  out["phi"] = phi_planes;
  out["phi1"] = phi1;
  return out;
}

}  // namespace

void register_angles(py::module_& m) {
  m.def("four_lepton_angles", &four_lepton_angles, py::arg("pt"), py::arg("eta"), py::arg("phi"), py::arg("e"),
        py::arg("charge"), py::arg("offsets"), py::arg("i1"), py::arg("i2"), py::arg("i3"), py::arg("i4"),
        "H -> ZZ* -> 4l angles per event (Z1 = leptons i1, i2; Z2 = i3, i4, positions within the event): dict of\n"
        "arrays cos_theta_star, cos_theta1, cos_theta2, phi, phi1 (NaN where an index is negative).");
}

}  // namespace higgshunt::bindings
