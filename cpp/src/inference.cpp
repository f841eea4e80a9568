// Reading the higgshunt-model JSON format and dispatching events to the fold models.
#include "higgshunt/inference.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "evaluator.hpp"

namespace higgshunt {

namespace inference {

const nlohmann::json& Member(const nlohmann::json& j, const std::string& key, const std::string& where) {
  if (!j.is_object()) throw std::runtime_error(where + ": expected a JSON object");
  const auto it = j.find(key);
  if (it == j.end()) throw std::runtime_error(where + ": missing key '" + key + "'");
  return *it;
}

std::string String(const nlohmann::json& j, const std::string& key, const std::string& where) {
  const auto& v = Member(j, key, where);
  if (!v.is_string()) throw std::runtime_error(where + "." + key + ": expected a string");
  return v.get<std::string>();
}

std::size_t Count(const nlohmann::json& j, const std::string& key, const std::string& where) {
  const auto& v = Member(j, key, where);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    throw std::runtime_error(where + "." + key + ": expected a non-negative integer");
  return v.get<std::size_t>();
}

double Number(const nlohmann::json& j, const std::string& key, const std::string& where) {
  const auto& v = Member(j, key, where);
  if (!v.is_number()) throw std::runtime_error(where + "." + key + ": expected a number");
  return v.get<double>();
}

namespace {
const nlohmann::json& Array(const nlohmann::json& j, const std::string& key, const std::string& where,
                            std::size_t expected) {
  const auto& v = Member(j, key, where);
  if (!v.is_array()) throw std::runtime_error(where + "." + key + ": expected an array");
  if (expected != 0 && v.size() != expected)
    throw std::runtime_error(where + "." + key + ": expected " + std::to_string(expected) + " values, found " +
                             std::to_string(v.size()));
  return v;
}
}  // namespace

std::vector<float> Floats(const nlohmann::json& j, const std::string& key, const std::string& where,
                          std::size_t expected) {
  const auto& v = Array(j, key, where, expected);
  std::vector<float> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_number()) throw std::runtime_error(where + "." + key + ": expected numbers");
    // Values were written as the exact decimal form of float32 numbers: the cast restores them bit for bit.
    out.push_back(static_cast<float>(e.get<double>()));
  }
  return out;
}

std::vector<std::int64_t> Integers(const nlohmann::json& j, const std::string& key, const std::string& where,
                                   std::size_t expected) {
  const auto& v = Array(j, key, where, expected);
  std::vector<std::int64_t> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_number_integer()) throw std::runtime_error(where + "." + key + ": expected integers");
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

VectorIsa SelectVectorIsa() {
  VectorIsa best = VectorIsa::kBaseline;
#if HIGGSHUNT_HAS_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = VectorIsa::kAvx2;
  if (best == VectorIsa::kAvx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
    best = VectorIsa::kAvx512;
#endif
  const char* limit = std::getenv("HIGGSHUNT_KERNELS");
  if (limit == nullptr) return best;
  if (std::strcmp(limit, "baseline") == 0) return VectorIsa::kBaseline;
  if (std::strcmp(limit, "avx2+fma") == 0) return std::min(best, VectorIsa::kAvx2);
  return best;
}

const char* VectorIsaName(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kAvx512: return "avx512";
    case VectorIsa::kAvx2: return "avx2+fma";
    case VectorIsa::kBaseline: break;
  }
  return "baseline";
}

}  // namespace inference

namespace {
nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the model file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ": not a valid JSON file (" + e.what() + ")");
  }
}
}  // namespace

Model::Model(const std::string& path) : path_(path) {
  using namespace inference;
  const nlohmann::json j = ReadJson(path);
  if (!j.is_object() || !j.contains("format") || j["format"] != "higgshunt-model")
    throw std::runtime_error(path + ": not a higgshunt-model file (expected \"format\": \"higgshunt-model\")");
  const auto& version = Member(j, "version", path);
  if (!version.is_number_integer() || version.get<int>() != kModelFormatVersion)
    throw std::runtime_error(path + ": model format version " + version.dump() + " is not supported (this build reads "
                             "version " + std::to_string(kModelFormatVersion) + "); re-export it with `higgshunt export`");
  kind_ = String(j, "kind", path);
  score_ = String(j, "score", path);
  if (kind_ != "dnn" && kind_ != "ae" && kind_ != "bdt")
    throw std::runtime_error(path + ".kind: expected dnn, ae or bdt, found '" + kind_ + "'");
  const bool mse = score_ == "reconstruction_mse";
  if ((kind_ == "ae") != mse)
    throw std::runtime_error(path + ".score: '" + score_ + "' does not go with kind '" + kind_ + "'");
  for (const auto& f : Member(j, "features", path)) {
    if (!f.is_string()) throw std::runtime_error(path + ".features: expected strings");
    features_.push_back(f.get<std::string>());
  }
  if (features_.empty()) throw std::runtime_error(path + ".features: empty");
  n_folds_ = Count(j, "n_folds", path);
  const auto& folds = Member(j, "folds", path);
  if (n_folds_ == 0 || !folds.is_array() || folds.size() != n_folds_)
    throw std::runtime_error(path + ".folds: expected n_folds = " + std::to_string(n_folds_) + " models");
  const VectorIsa isa = SelectVectorIsa();
  kernels_ = VectorIsaName(isa);
  for (std::size_t i = 0; i < n_folds_; ++i) {
    const std::string where = path + ": folds[" + std::to_string(i) + "]";
    const std::string type = String(folds[i], "type", where);
    if (type == "network")
      folds_.push_back(MakeNetwork(folds[i], where, NFeatures(), mse, isa));
    else if (type == "trees" && kind_ == "bdt")
      folds_.push_back(MakeTrees(folds[i], where, NFeatures(), isa));
    else
      throw std::runtime_error(where + ".type: '" + type + "' does not go with kind '" + kind_ + "'");
  }
}

Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const Model& Model::Get(const std::string& path) {
  // Models live until the end of the process: event loops keep references to them.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Model>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[path];
  if (!slot) slot = std::make_unique<Model>(path);
  return *slot;
}

float Model::Evaluate(std::int64_t eventNumber, const float* x) const {
  // A single fold skips the 64-bit division.
  return folds_[n_folds_ == 1 ? 0 : Fold(eventNumber, n_folds_)]->Evaluate(x);
}

float Model::EvaluateFold(std::size_t fold, const float* x) const {
  if (fold >= n_folds_)
    throw std::out_of_range(path_ + ": fold " + std::to_string(fold) + " >= n_folds " + std::to_string(n_folds_));
  return folds_[fold]->Evaluate(x);
}

float Model::Score(std::int64_t eventNumber, const ROOT::RVecF& x) const {
  if (x.size() != NFeatures()) ThrowArity(x.size());
  return Evaluate(eventNumber, x.data());
}

void Model::ThrowArity(std::size_t given) const {
  throw std::invalid_argument(path_ + ": " + std::to_string(given) + " features given, the model takes " +
                              std::to_string(NFeatures()));
}

}  // namespace higgshunt
