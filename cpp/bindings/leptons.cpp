// numpy interface to leptons.hpp: LeptonCuts as a Python class and the good-lepton mask over jagged arrays.
#include "higgshunt/leptons.hpp"

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "jagged.hpp"

namespace higgshunt::bindings {

namespace {

using FloatArray = Flat<float>::Array;

py::array_t<int> good_leptons(Flat<unsigned int>::Array type, FloatArray pt, FloatArray eta, Flat<bool>::Array tight,
                              FloatArray ptcone30, FloatArray etcone20, FloatArray d0sig, FloatArray z0,
                              py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> offsets,
                              const LeptonCuts& electron, const LeptonCuts& muon) {
  const Flat<unsigned int> types(std::move(type));
  const Flat<float> pts(std::move(pt)), etas(std::move(eta)), cone30(std::move(ptcone30)), cone20(std::move(etcone20)),
      d0(std::move(d0sig)), z(std::move(z0));
  const Flat<bool> tights(std::move(tight));
  const Offsets o(std::move(offsets), types.size(), "type");
  for (const auto& [flat, name] : {std::pair{&pts, "pt"}, {&etas, "eta"}, {&cone30, "ptcone30"},
                                   {&cone20, "etcone20"}, {&d0, "d0sig"}, {&z, "z0"}})
    o.require_size(flat->size(), name);
  o.require_size(tights.size(), "tight");

  py::array_t<int> mask(static_cast<py::ssize_t>(types.size()));
  int* data = mask.mutable_data();
  py::gil_scoped_release release;
  for (std::size_t i = 0; i < o.n_events(); ++i) {
    const ROOT::RVec<int> good = GoodLeptons(types.view(o, i), pts.view(o, i), etas.view(o, i), tights.view(o, i),
                                             cone30.view(o, i), cone20.view(o, i), d0.view(o, i), z.view(o, i),
                                             electron, muon);
    std::copy(good.begin(), good.end(), data + o.begin(i));
  }
  return mask;
}

std::string repr(const LeptonCuts& c) {
  std::ostringstream out;
  out << "LeptonCuts(pt_min=" << c.pt_min << ", abs_eta_max=" << c.abs_eta_max
      << ", require_tight=" << (c.require_tight ? "True" : "False") << ", ptcone30_rel_max=" << c.ptcone30_rel_max
      << ", etcone20_rel_max=" << c.etcone20_rel_max << ", d0sig_max=" << c.d0sig_max
      << ", z0sintheta_max_mm=" << c.z0sintheta_max_mm << ", crack_eta_min=" << c.crack_eta_min
      << ", crack_eta_max=" << c.crack_eta_max << ")";
  return out.str();
}

}  // namespace

void register_leptons(py::module_& m) {
  py::class_<LeptonCuts>(m, "LeptonCuts", "Thresholds for one lepton flavour (units of the ntuple: MeV, mm).")
      .def(py::init([](float pt_min, float abs_eta_max, bool require_tight, float ptcone30_rel_max,
                       float etcone20_rel_max, float d0sig_max, float z0sintheta_max_mm, float crack_eta_min,
                       float crack_eta_max) {
             return LeptonCuts{pt_min,    abs_eta_max,       require_tight, ptcone30_rel_max, etcone20_rel_max,
                               d0sig_max, z0sintheta_max_mm, crack_eta_min, crack_eta_max};
           }),
           py::kw_only(), py::arg("pt_min"), py::arg("abs_eta_max"), py::arg("require_tight"),
           py::arg("ptcone30_rel_max"), py::arg("etcone20_rel_max"), py::arg("d0sig_max"),
           py::arg("z0sintheta_max_mm"), py::arg("crack_eta_min") = 0.f, py::arg("crack_eta_max") = 0.f)
      .def_readwrite("pt_min", &LeptonCuts::pt_min)
      .def_readwrite("abs_eta_max", &LeptonCuts::abs_eta_max)
      .def_readwrite("require_tight", &LeptonCuts::require_tight)
      .def_readwrite("ptcone30_rel_max", &LeptonCuts::ptcone30_rel_max)
      .def_readwrite("etcone20_rel_max", &LeptonCuts::etcone20_rel_max)
      .def_readwrite("d0sig_max", &LeptonCuts::d0sig_max)
      .def_readwrite("z0sintheta_max_mm", &LeptonCuts::z0sintheta_max_mm)
      .def_readwrite("crack_eta_min", &LeptonCuts::crack_eta_min)
      .def_readwrite("crack_eta_max", &LeptonCuts::crack_eta_max)
      .def("__repr__", &repr);
  m.def("electron_cuts", &ElectronCuts, "Electron defaults of the ATLAS Open Data 13 TeV H->ZZ*->4l analysis.");
  m.def("muon_cuts", &MuonCuts, "Muon defaults of the ATLAS Open Data 13 TeV H->ZZ*->4l analysis.");
  m.def("good_leptons", &good_leptons, py::arg("type"), py::arg("pt"), py::arg("eta"), py::arg("tight"),
        py::arg("ptcone30"), py::arg("etcone20"), py::arg("d0sig"), py::arg("z0"), py::arg("offsets"), py::kw_only(),
        py::arg("electron") = ElectronCuts(), py::arg("muon") = MuonCuts(),
        "Good-lepton mask (flat int32, 1 good / 0 not, same offsets as the input).");
}

}  // namespace higgshunt::bindings
