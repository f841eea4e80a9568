// Trained models inside the event loop: dense networks, autoencoders and boosted decision trees, read from the
// versioned `higgshunt-model` JSON format written by `higgshunt export` (docs/model_format.md).
//
// Usage in RDataFrame (the model is loaded once per process and path, on first use):
//
//   df.Define("score", "higgshunt::Model::Get(\"model.json\").Score(eventNumber, lep1_pt, lep2_pt, ...)")
//
// or, with a model declared once through the interpreter, `higgshunt::Model m{"model.json"};` and
// `Define("score", "m.Score(eventNumber, lep1_pt, ...)")`. `higgshunt.inference.define_score` writes the
// first form for you, with the features in a stack array viewed as one RVecF. Features are passed in the order of `Features()` (scalars of any arithmetic type, or one
// ROOT::RVecF); they are converted to float, as in training.
//
// k-fold: with n folds, the event is scored by fold model `eventNumber mod n` (the non-negative remainder, as
// Python's `%`), which is the model trained without that fold.
//
// Thread safety and speed: evaluation is const and keeps its scratch memory on the stack (in thread_local
// buffers for networks wider than 256 units), so one Model serves all slots of a multi-threaded event loop;
// after the first event of a thread there are no heap allocations per event. The scalar `Score` overload puts the features in a stack array (no RVec).
//
// Vector instructions: on x86-64 the kernels use AVX-512 or AVX2+FMA when the CPU has them, elsewhere the
// portable build; the environment variable HIGGSHUNT_KERNELS ("avx2+fma" or "baseline"), read when the model
// is loaded, sets a limit. `Kernels()` says which are in use.
//
// Missing values: a NaN feature follows the default direction of each tree split (as in XGBoost); a network or
// autoencoder returns NaN for it.
//
// Errors: a file that is missing, not JSON, of another format or version, or inconsistent (sizes, indices)
// throws std::runtime_error naming the file and the key at fault. A feature count that does not match throws
// std::invalid_argument.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <ROOT/RVec.hxx>

namespace higgshunt {

/// The `higgshunt-model` format version this library reads.
inline constexpr int kModelFormatVersion = 1;

namespace inference {
/// One fold's evaluator (a network or a tree ensemble); defined in the library.
class Evaluator;
}  // namespace inference

/// An exported model: one evaluator per fold plus the feature list and metadata.
class Model {
public:
  /// Reads and checks `path` (a higgshunt-model JSON file).
  explicit Model(const std::string& path);
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// The model of `path`, loaded on first use and then shared by every caller of this process (thread-safe).
  static const Model& Get(const std::string& path);

  /// Fold of an event: eventNumber mod n_folds, in [0, n_folds).
  static std::size_t Fold(std::int64_t eventNumber, std::size_t n_folds) {
    const auto n = static_cast<std::int64_t>(n_folds);
    const std::int64_t r = eventNumber % n;  // negative for a negative eventNumber
    return static_cast<std::size_t>(r < 0 ? r + n : r);
  }

  const std::string& Path() const { return path_; }
  /// "dnn", "ae" or "bdt".
  const std::string& Kind() const { return kind_; }
  /// "probability", "reconstruction_mse" or "value".
  const std::string& ScoreName() const { return score_; }
  const std::vector<std::string>& Features() const { return features_; }
  std::size_t NFeatures() const { return features_.size(); }
  std::size_t NFolds() const { return n_folds_; }
  /// The kernels chosen at load time: "avx512", "avx2+fma" or "baseline".
  const std::string& Kernels() const { return kernels_; }

  /// Score of one event; `x` points to NFeatures() values in the order of Features().
  float Evaluate(std::int64_t eventNumber, const float* x) const;
  /// Score of `x` by the model of fold `fold` (< NFolds()).
  float EvaluateFold(std::size_t fold, const float* x) const;

  /// Score from an RVec of NFeatures() features.
  float Score(std::int64_t eventNumber, const ROOT::RVecF& x) const;

  /// Score from NFeatures() scalar features, in the order of Features().
  template <typename... Fs>
  float Score(std::int64_t eventNumber, Fs... features) const {
    static_assert(sizeof...(Fs) > 0, "Model::Score needs the features");
    static_assert((std::is_arithmetic_v<Fs> && ...), "Model::Score takes arithmetic scalars or one RVecF");
    if (sizeof...(Fs) != NFeatures()) ThrowArity(sizeof...(Fs));
    const std::array<float, sizeof...(Fs)> x{static_cast<float>(features)...};
    return Evaluate(eventNumber, x.data());
  }

private:
  [[noreturn]] void ThrowArity(std::size_t given) const;

  std::string path_;
  std::string kind_;
  std::string score_;
  std::string kernels_;
  std::vector<std::string> features_;
  std::size_t n_folds_ = 0;
  std::vector<std::unique_ptr<inference::Evaluator>> folds_;
};

}  // namespace higgshunt
