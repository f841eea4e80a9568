// Jagged event data for the numpy bindings: flat values plus offsets, viewed one event at a time as RVecs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <ROOT/RVec.hxx>
#include <pybind11/numpy.h>

namespace higgshunt::bindings {

namespace py = pybind11;

/// Offsets of a jagged array: event i owns flat[offsets[i] : offsets[i+1]].
class Offsets {
public:
  Offsets(py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> offsets, std::size_t n_flat,
          const std::string& name)
      : offsets_(std::move(offsets)) {
    if (offsets_.ndim() != 1 || offsets_.size() < 1)
      throw std::invalid_argument(name + ": offsets must be a 1-d array of length n_events + 1");
    const auto o = offsets_.unchecked<1>();
    if (o(0) != 0) throw std::invalid_argument(name + ": offsets must start at 0");
    for (py::ssize_t i = 1; i < o.shape(0); ++i)
      if (o(i) < o(i - 1)) throw std::invalid_argument(name + ": offsets must be non-decreasing");
    if (static_cast<std::size_t>(o(o.shape(0) - 1)) != n_flat)
      throw std::invalid_argument(name + ": last offset " + std::to_string(o(o.shape(0) - 1)) +
                                  " does not match the " + std::to_string(n_flat) + " flat values");
  }
  std::size_t n_events() const { return static_cast<std::size_t>(offsets_.size() - 1); }
  // Unchecked: the constructor validated the offsets, and these are called once per event in the hot loops.
  std::size_t begin(std::size_t i) const { return static_cast<std::size_t>(offsets_.data()[i]); }
  std::size_t end(std::size_t i) const { return static_cast<std::size_t>(offsets_.data()[i + 1]); }
  /// Throws unless another flat array `name` of `n` values matches these offsets.
  void require_size(std::size_t n, const std::string& name) const {
    const std::size_t expected = begin(n_events());
    if (n != expected)
      throw std::invalid_argument(name + ": " + std::to_string(n) + " values, but the offsets describe " +
                                  std::to_string(expected));
  }

private:
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> offsets_;
};

/// A contiguous 1-d numpy array of T (converted if needed) and non-owning per-event RVec views of it.
template <typename T>
class Flat {
public:
  using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;
  explicit Flat(Array values) : values_(std::move(values)) {
    if (values_.ndim() != 1) throw std::invalid_argument("flat values must be 1-d");
  }
  std::size_t size() const { return static_cast<std::size_t>(values_.size()); }
  /// A view of values[begin:end]; the RVec does not own or copy the memory.
  ROOT::RVec<T> view(const Offsets& offsets, std::size_t event) const {
    const std::size_t b = offsets.begin(event);
    return ROOT::RVec<T>(const_cast<T*>(values_.data()) + b, offsets.end(event) - b);
  }

private:
  Array values_;
};

}  // namespace higgshunt::bindings
