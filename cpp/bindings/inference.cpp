// higgshunt._native._core.Model: an exported model evaluated over numpy arrays.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "higgshunt/inference.hpp"

namespace higgshunt::bindings {

namespace py = pybind11;
using Features = py::array_t<float, py::array::c_style | py::array::forcecast>;
using EventNumbers = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

namespace {

std::size_t CheckFeatures(const Model& model, const Features& x) {
  if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != model.NFeatures())
    throw std::invalid_argument(model.Path() + ": features must be an (n_events, " +
                                std::to_string(model.NFeatures()) + ") array");
  return static_cast<std::size_t>(x.shape(0));
}

py::array_t<float> Evaluate(const Model& model, const Features& x, const py::object& event_number) {
  const std::size_t n = CheckFeatures(model, x);
  py::array_t<float> out(static_cast<py::ssize_t>(n));
  float* o = out.mutable_data();
  const float* xs = x.data();
  const std::size_t nf = model.NFeatures();
  if (event_number.is_none()) {
    if (model.NFolds() != 1)
      throw std::invalid_argument(model.Path() + ": a model of " + std::to_string(model.NFolds()) +
                                  " folds needs event_number to choose the fold of each event");
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n; ++i) o[i] = model.EvaluateFold(0, xs + i * nf);
    return out;
  }
  const auto events = event_number.cast<EventNumbers>();
  if (events.ndim() != 1 || static_cast<std::size_t>(events.shape(0)) != n)
    throw std::invalid_argument(model.Path() + ": event_number must be a 1-d array of " + std::to_string(n) +
                                " values");
  const std::int64_t* e = events.data();
  py::gil_scoped_release release;
  for (std::size_t i = 0; i < n; ++i) o[i] = model.Evaluate(e[i], xs + i * nf);
  return out;
}

py::array_t<float> EvaluateFold(const Model& model, std::size_t fold, const Features& x) {
  const std::size_t n = CheckFeatures(model, x);
  if (fold >= model.NFolds())
    throw std::invalid_argument(model.Path() + ": fold " + std::to_string(fold) + " does not exist (" +
                                std::to_string(model.NFolds()) + " folds)");
  py::array_t<float> out(static_cast<py::ssize_t>(n));
  float* o = out.mutable_data();
  const float* xs = x.data();
  const std::size_t nf = model.NFeatures();
  py::gil_scoped_release release;
  for (std::size_t i = 0; i < n; ++i) o[i] = model.EvaluateFold(fold, xs + i * nf);
  return out;
}

}  // namespace

void register_inference(py::module_& m) {
  m.attr("MODEL_FORMAT_VERSION") = kModelFormatVersion;
  py::class_<Model>(m, "Model", "An exported higgshunt-model (JSON): dense network, autoencoder or BDT, per fold.")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def_property_readonly("path", &Model::Path)
      .def_property_readonly("kind", &Model::Kind)
      .def_property_readonly("score", &Model::ScoreName)
      .def_property_readonly("features", &Model::Features)
      .def_property_readonly("n_folds", &Model::NFolds)
      .def_property_readonly("kernels", &Model::Kernels, "The vector kernels in use: 'avx512', 'avx2+fma' or 'baseline'.")
      .def("evaluate", &Evaluate, py::arg("x"), py::arg("event_number") = py::none(),
           "Scores of x (n_events, n_features), float32; event_number (int64) chooses each event's fold.")
      .def("evaluate_fold", &EvaluateFold, py::arg("fold"), py::arg("x"),
           "Scores of every row of x by the model of one fold.")
      .def_static("fold", &Model::Fold, py::arg("event_number"), py::arg("n_folds"),
                  "The fold of an event: event_number mod n_folds (non-negative).");
}

}  // namespace higgshunt::bindings
