// Internal to the inference library: the per-fold evaluator interface, the choice of vector instructions and
// checked access to the model JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

// On x86-64 the hot loops are compiled for the baseline instruction set, for AVX2+FMA and (dense layers) for
// AVX-512, and each model picks one when it is loaded (from what the CPU reports, with `__builtin_cpu_supports`):
// the library runs on any x86-64 CPU and uses wide vectors where it can. The variants give the same scores to
// float rounding (< 1e-6).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HIGGSHUNT_HAS_AVX2 1
#define HIGGSHUNT_AVX2 __attribute__((target("avx2,fma")))
#define HIGGSHUNT_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512")))
#else
#define HIGGSHUNT_HAS_AVX2 0
#define HIGGSHUNT_AVX2
#define HIGGSHUNT_AVX512
#endif
#if defined(__GNUC__) || defined(__clang__)
#define HIGGSHUNT_INLINE __attribute__((always_inline)) inline  // compiled into each variant
#else
#define HIGGSHUNT_INLINE inline
#endif

namespace higgshunt::inference {

/// The vector instructions of the kernels.
enum class VectorIsa { kBaseline, kAvx2, kAvx512 };

/// The widest vectors the CPU has (AVX-512, AVX2+FMA, or the baseline), at most those named by the environment
/// variable HIGGSHUNT_KERNELS ("baseline" or "avx2+fma") when it is set.
VectorIsa SelectVectorIsa();
/// "baseline", "avx2+fma" or "avx512".
const char* VectorIsaName(VectorIsa isa);

/// One fold's model. Evaluate is const and thread-safe.
class Evaluator {
public:
  virtual ~Evaluator() = default;
  /// Score of one event; `x` has the model's NFeatures() values.
  virtual float Evaluate(const float* x) const = 0;
};

/// A dense network (`"type": "network"`); `where` names the file and key path for error messages.
std::unique_ptr<Evaluator> MakeNetwork(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                       bool reconstruction_mse, VectorIsa isa);
/// A boosted tree ensemble (`"type": "trees"`).
std::unique_ptr<Evaluator> MakeTrees(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                     VectorIsa isa);

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
