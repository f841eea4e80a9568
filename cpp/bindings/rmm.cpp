// numpy interface to higgshunt::RMMBuilder: jagged objects (flat values + offsets) in, one RMM row per event out.
#include "higgshunt/rmm.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "jagged.hpp"

namespace higgshunt::bindings {

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

void require_size(const std::string& name, std::size_t size, std::size_t expected, const std::string& what) {
  if (size != expected)
    throw std::invalid_argument("rmm: " + name + " has " + std::to_string(size) + " values, expected " +
                                std::to_string(expected) + " (" + what + ")");
}

py::array_t<float> rmm(Flat<float>::Array pt, Flat<float>::Array eta, Flat<float>::Array phi, Flat<float>::Array e,
                       Flat<int>::Array type, py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> offsets,
                       FloatArray met, FloatArray met_phi, std::vector<int> slots, double sqrt_s, double c) {
  const RMMBuilder builder(std::move(slots), sqrt_s, c);
  const Flat<float> f_pt(std::move(pt)), f_eta(std::move(eta)), f_phi(std::move(phi)), f_e(std::move(e));
  const Flat<int> f_type(std::move(type));
  const std::size_t n_flat = f_pt.size();
  require_size("eta", f_eta.size(), n_flat, "as many as pt");
  require_size("phi", f_phi.size(), n_flat, "as many as pt");
  require_size("e", f_e.size(), n_flat, "as many as pt");
  require_size("type", f_type.size(), n_flat, "as many as pt");
  const Offsets events(std::move(offsets), n_flat, "rmm");
  const std::size_t n_events = events.n_events();
  if (met.ndim() != 1 || met_phi.ndim() != 1) throw std::invalid_argument("rmm: met and met_phi must be 1-d");
  require_size("met", static_cast<std::size_t>(met.size()), n_events, "one per event");
  require_size("met_phi", static_cast<std::size_t>(met_phi.size()), n_events, "one per event");

  const std::size_t cells = builder.size() * builder.size();
  py::array_t<float> out({static_cast<py::ssize_t>(n_events), static_cast<py::ssize_t>(cells)});
  float* out_data = out.mutable_data();
  const float* met_data = met.data();
  const float* met_phi_data = met_phi.data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n_events; ++i) {
      try {
        builder.fill(f_pt.view(events, i), f_eta.view(events, i), f_phi.view(events, i), f_e.view(events, i),
                     f_type.view(events, i), met_data[i], met_phi_data[i], out_data + i * cells);
      } catch (const std::invalid_argument& err) {
        throw std::invalid_argument("rmm: event " + std::to_string(i) + ": " + err.what());
      }
    }
  }
  return out;
}

}  // namespace

void register_rmm(py::module_& m) {
  m.def("rmm", &rmm, py::arg("pt"), py::arg("eta"), py::arg("phi"), py::arg("e"), py::arg("type"),
        py::arg("offsets"), py::arg("met"), py::arg("met_phi"), py::arg("slots"), py::arg("sqrt_s") = 13.0e6,
        py::arg("c") = 0.15,
        "Rapidity-Mass Matrices of many events: float32 array (n_events, S*S), S = 1 + sum(slots).\n"
        "Objects of event i are flat[offsets[i]:offsets[i+1]] of pt, eta, phi, e (input units) and type\n"
        "(0..len(slots)-1); met, met_phi: one per event. Cell definitions: higgshunt/rmm.hpp.\n"
        "Raises ValueError on inconsistent sizes or a type out of range; invalid values give a NaN matrix.");
  m.def(
      "rmm_cell_names",
      [](std::vector<int> slots, const std::vector<std::string>& type_names) {
        return RMMBuilder(std::move(slots)).cell_names(type_names);
      },
      py::arg("slots"), py::arg("type_names"),
      "Names of the S*S cells of rmm() in flattened order (e.g. 'MET', 'mT_e1', 'ET_j1', 'm_j1_e2').");
}

}  // namespace higgshunt::bindings
