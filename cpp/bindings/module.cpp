// The `higgshunt._native._core` module: wires together one binding file per helper header.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace higgshunt::bindings {
void register_kinematics(py::module_& m);
void register_leptons(py::module_& m);
void register_candidates(py::module_& m);
void register_angles(py::module_& m);
void register_rmm(py::module_& m);
void register_inference(py::module_& m);
}  // namespace higgshunt::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "higgshunt's C++ helpers over numpy arrays (jagged inputs as flat values + offsets).";
  higgshunt::bindings::register_kinematics(m);
  higgshunt::bindings::register_leptons(m);
  higgshunt::bindings::register_candidates(m);
  higgshunt::bindings::register_angles(m);
  higgshunt::bindings::register_rmm(m);
  higgshunt::bindings::register_inference(m);
}
