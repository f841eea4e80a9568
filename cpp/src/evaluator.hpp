// Internal to the inference library: the per-fold evaluator interface and checked access to the model JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace higgshunt::inference {

/// One fold's model. Evaluate is const and thread-safe.
class Evaluator {
public:
  virtual ~Evaluator() = default;
  /// Score of one event; `x` has the model's NFeatures() values.
  virtual float Evaluate(const float* x) const = 0;
};

/// A dense network (`"type": "network"`); `where` names the file and key path for error messages.
std::unique_ptr<Evaluator> MakeNetwork(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                       bool reconstruction_mse);
/// A boosted tree ensemble (`"type": "trees"`).
std::unique_ptr<Evaluator> MakeTrees(const nlohmann::json& j, const std::string& where, std::size_t n_features);

/// j[key], or std::runtime_error "<where>: missing key '<key>'".
const nlohmann::json& Member(const nlohmann::json& j, const std::string& key, const std::string& where);
/// j[key] as a string.
std::string String(const nlohmann::json& j, const std::string& key, const std::string& where);
/// j[key] as a non-negative integer.
std::size_t Count(const nlohmann::json& j, const std::string& key, const std::string& where);
/// j[key] as a number.
double Number(const nlohmann::json& j, const std::string& key, const std::string& where);
/// j[key] as an array of numbers stored as float; `expected` (if not 0) is the required length.
std::vector<float> Floats(const nlohmann::json& j, const std::string& key, const std::string& where,
                          std::size_t expected = 0);
/// j[key] as an array of integers; `expected` (if not 0) is the required length.
std::vector<std::int64_t> Integers(const nlohmann::json& j, const std::string& key, const std::string& where,
                                   std::size_t expected = 0);

}  // namespace higgshunt::inference
