#include <pybind11/pybind11.h>

namespace higgshunt::bindings {
void register_rmm(pybind11::module_& m) { (void)m; }
}  // namespace higgshunt::bindings
