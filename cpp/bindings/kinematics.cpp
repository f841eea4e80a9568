#include <pybind11/pybind11.h>

namespace higgshunt::bindings {
void register_kinematics(pybind11::module_& m) { (void)m; }
}  // namespace higgshunt::bindings
