// numpy interface to kinematics.hpp: jagged inputs as flat values + int64 offsets, event loops in C++ without the GIL.
#include "higgshunt/kinematics.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "jagged.hpp"

namespace higgshunt::bindings {

namespace {

using FloatArray = Flat<float>::Array;
using IntArray = Flat<int>::Array;
using OffsetArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

/// The four momentum components of jagged objects sharing one offsets array.
struct Momenta {
  Momenta(FloatArray pt_, FloatArray eta_, FloatArray phi_, FloatArray e_, OffsetArray offsets_)
      : pt(std::move(pt_)), eta(std::move(eta_)), phi(std::move(phi_)), e(std::move(e_)),
        offsets(std::move(offsets_), pt.size(), "pt") {
    offsets.require_size(eta.size(), "eta");
    offsets.require_size(phi.size(), "phi");
    offsets.require_size(e.size(), "e");
  }
  Flat<float> pt, eta, phi, e;
  Offsets offsets;
};

/// out[event] = f(event) for every event, without the GIL.
template <typename T, typename F>
py::array_t<T> per_event(const Offsets& offsets, F&& f) {
  py::array_t<T> out(static_cast<py::ssize_t>(offsets.n_events()));
  T* data = out.mutable_data();
  py::gil_scoped_release release;
  for (std::size_t i = 0; i < offsets.n_events(); ++i) data[i] = f(i);
  return out;
}

/// A jagged result with the input's offsets: out[offsets[i]:offsets[i+1]] = f(event i).
template <typename T, typename F>
py::array_t<T> per_object(const Offsets& offsets, F&& f) {
  py::array_t<T> out(static_cast<py::ssize_t>(offsets.begin(offsets.n_events())));
  T* data = out.mutable_data();
  py::gil_scoped_release release;
  for (std::size_t i = 0; i < offsets.n_events(); ++i) {
    const auto values = f(i);
    std::copy(values.begin(), values.end(), data + offsets.begin(i));
  }
  return out;
}

/// out[k] = f(a[k], b[k], ...) over equally long 1-d arrays.
template <typename F, typename... Arrays>
py::array_t<float> elementwise(const char* function, F f, const FloatArray& first, const Arrays&... rest) {
  for (const auto& a : {std::cref(first), std::cref(rest)...})
    if (a.get().ndim() != 1 || a.get().size() != first.size())
      throw std::invalid_argument(std::string(function) + ": arguments must be 1-d arrays of equal length (got " +
                                  std::to_string(first.size()) + " and " + std::to_string(a.get().size()) + ")");
  py::array_t<float> out(first.size());
  float* data = out.mutable_data();
  py::gil_scoped_release release;
  for (py::ssize_t k = 0; k < first.size(); ++k) data[k] = f(first.data()[k], rest.data()[k]...);
  return out;
}

py::array_t<float> invariant_mass(FloatArray pt, FloatArray eta, FloatArray phi, FloatArray e, OffsetArray offsets,
                                  std::optional<IntArray> indices, std::optional<OffsetArray> index_offsets) {
  const Momenta m(std::move(pt), std::move(eta), std::move(phi), std::move(e), std::move(offsets));
  if (!indices && !index_offsets)
    return per_event<float>(m.offsets, [&m](std::size_t i) {
      return InvariantMass(m.pt.view(m.offsets, i), m.eta.view(m.offsets, i), m.phi.view(m.offsets, i),
                           m.e.view(m.offsets, i));
    });
  if (!indices || !index_offsets) throw std::invalid_argument("invariant_mass: give both indices and index_offsets");
  const Flat<int> chosen(std::move(*indices));
  const Offsets chosen_offsets(std::move(*index_offsets), chosen.size(), "indices");
  if (chosen_offsets.n_events() != m.offsets.n_events())
    throw std::invalid_argument("invariant_mass: " + std::to_string(chosen_offsets.n_events()) +
                                " events of indices for " + std::to_string(m.offsets.n_events()) + " events of objects");
  return per_event<float>(m.offsets, [&](std::size_t i) {
    return InvariantMass(m.pt.view(m.offsets, i), m.eta.view(m.offsets, i), m.phi.view(m.offsets, i),
                         m.e.view(m.offsets, i), chosen.view(chosen_offsets, i));
  });
}

py::tuple pair_masses(FloatArray pt, FloatArray eta, FloatArray phi, FloatArray e, OffsetArray offsets) {
  const Momenta m(std::move(pt), std::move(eta), std::move(phi), std::move(e), std::move(offsets));
  const std::size_t n_events = m.offsets.n_events();
  OffsetArray out_offsets(static_cast<py::ssize_t>(n_events + 1));
  std::int64_t* o = out_offsets.mutable_data();
  o[0] = 0;
  for (std::size_t i = 0; i < n_events; ++i) {
    const auto n = static_cast<std::int64_t>(m.offsets.end(i) - m.offsets.begin(i));
    o[i + 1] = o[i] + n * (n - 1) / 2;
  }
  py::array_t<float> out(static_cast<py::ssize_t>(o[n_events]));
  float* data = out.mutable_data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n_events; ++i) {
      const RVecF masses = PairMasses(m.pt.view(m.offsets, i), m.eta.view(m.offsets, i), m.phi.view(m.offsets, i),
                                      m.e.view(m.offsets, i));
      std::copy(masses.begin(), masses.end(), data + o[i]);
    }
  }
  return py::make_tuple(out, out_offsets);
}

py::array_t<float> rapidity(FloatArray pt, FloatArray eta, FloatArray phi, FloatArray e, OffsetArray offsets) {
  const Momenta m(std::move(pt), std::move(eta), std::move(phi), std::move(e), std::move(offsets));
  return per_object<float>(m.offsets, [&m](std::size_t i) {
    return Rapidity(m.pt.view(m.offsets, i), m.eta.view(m.offsets, i), m.phi.view(m.offsets, i),
                    m.e.view(m.offsets, i));
  });
}

py::array_t<float> system_pt(FloatArray pt, FloatArray phi, OffsetArray offsets) {
  const Flat<float> pts(std::move(pt)), phis(std::move(phi));
  const Offsets o(std::move(offsets), pts.size(), "pt");
  o.require_size(phis.size(), "phi");
  return per_event<float>(o, [&](std::size_t i) { return SystemPt(pts.view(o, i), phis.view(o, i)); });
}

py::array_t<int> sorted_by_pt(FloatArray pt, OffsetArray offsets) {
  const Flat<float> pts(std::move(pt));
  const Offsets o(std::move(offsets), pts.size(), "pt");
  return per_object<int>(o, [&](std::size_t i) { return SortedByPt(pts.view(o, i)); });
}

}  // namespace

void register_kinematics(py::module_& m) {
  m.def("invariant_mass", &invariant_mass, py::arg("pt"), py::arg("eta"), py::arg("phi"), py::arg("e"),
        py::arg("offsets"), py::kw_only(), py::arg("indices") = py::none(), py::arg("index_offsets") = py::none(),
        "Invariant mass per event of all objects, or of the objects at `indices` (jagged: flat positions within\n"
        "each event + their own offsets). float32 array of length n_events; 0 for empty events.");
  m.def("pair_masses", &pair_masses, py::arg("pt"), py::arg("eta"), py::arg("phi"), py::arg("e"), py::arg("offsets"),
        "Masses m_ij (i < j, order (0,1),(0,2),..,(1,2),..) per event as (flat float32, int64 offsets).");
  m.def("rapidity", &rapidity, py::arg("pt"), py::arg("eta"), py::arg("phi"), py::arg("e"), py::arg("offsets"),
        "Rapidity of every object (flat float32, same offsets as the input).");
  m.def("system_pt", &system_pt, py::arg("pt"), py::arg("phi"), py::arg("offsets"),
        "|vector sum of pT| per event (float32, length n_events).");
  m.def("sorted_by_pt", &sorted_by_pt, py::arg("pt"), py::arg("offsets"),
        "Per event, positions of the objects by decreasing pT (flat int32 within-event positions, same offsets).");
  m.def(
      "transverse_mass",
      [](FloatArray pt, FloatArray phi, FloatArray met, FloatArray met_phi) {
        return elementwise("transverse_mass", &TransverseMass, pt, phi, met, met_phi);
      },
      py::arg("pt"), py::arg("phi"), py::arg("met"), py::arg("met_phi"),
      "sqrt(2 pt met (1 - cos dphi)) element by element.");
  m.def(
      "delta_phi", [](FloatArray phi1, FloatArray phi2) { return elementwise("delta_phi", &DeltaPhi, phi1, phi2); },
      py::arg("phi1"), py::arg("phi2"), "phi1 - phi2 wrapped into [-pi, pi), element by element.");
  m.def(
      "delta_r",
      [](FloatArray eta1, FloatArray phi1, FloatArray eta2, FloatArray phi2) {
        return elementwise("delta_r", &DeltaR, eta1, phi1, eta2, phi2);
      },
      py::arg("eta1"), py::arg("phi1"), py::arg("eta2"), py::arg("phi2"), "sqrt(deta^2 + dphi^2) element by element.");
}

}  // namespace higgshunt::bindings
