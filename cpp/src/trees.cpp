// Gradient-boosted tree ensembles with XGBoost's prediction rules: float32 features, `x < threshold` goes left,
// a missing value (NaN) follows the node's default direction, leaves summed tree by tree onto the base margin.
//
// Speed: walking one tree is a chain of dependent loads, so trees are walked eight at a time in lockstep: with
// AVX2 the eight walks are the lanes of one vector (gathers, four vectors in flight), otherwise eight scalar
// chains that the CPU overlaps. Leaves loop onto themselves whatever the features, so every tree of a group can take as many steps
// as the deepest one. The children of a split are adjacent (right = left + 1). Both walks visit the same nodes
// and add the leaves in tree order, so they give identical scores.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "evaluator.hpp"

#if HIGGSHUNT_HAS_AVX2
#include <immintrin.h>
#endif

namespace higgshunt::inference {

namespace {

constexpr std::size_t kLanes = 8;

// The nodes as parallel arrays (what the vector gathers need). A node's word packs its feature index with two
// flags: a leaf always "goes left", i.e. stays; `default_left` is where a missing value (NaN) goes.
constexpr std::uint32_t kFeatureMask = (1u << 30) - 1;
constexpr std::uint32_t kLeafBit = 1u << 30;
constexpr std::uint32_t kDefaultLeftBit = 1u << 31;

struct Nodes {
  std::vector<float> threshold;    // of a split (0 for a leaf)
  std::vector<std::int32_t> left;  // absolute index of the left child; a leaf points to itself
  std::vector<std::uint32_t> word;
  std::vector<float> output;  // leaf output (0 for a split)

  void Add(float threshold_, std::size_t left_, std::uint32_t word_, float output_) {
    threshold.push_back(threshold_);
    left.push_back(static_cast<std::int32_t>(left_));
    word.push_back(word_);
    output.push_back(output_);
  }
  void AddLeaf(float output_) { Add(0.0f, left.size(), kLeafBit, output_); }
  std::size_t size() const { return left.size(); }
};

class Trees final : public Evaluator {
public:
  Trees(const nlohmann::json& j, const std::string& where, std::size_t n_features, VectorIsa isa)
      : avx2_(isa != VectorIsa::kBaseline) {  // AVX-512 CPUs have AVX2; 16-wide gathers are no faster
    if (Count(j, "n_inputs", where) != n_features)
      throw std::runtime_error(where + ".n_inputs: expected " + std::to_string(n_features) + " (the feature count)");
    if (n_features > kFeatureMask) throw std::runtime_error(where + ": more than 2^30 features are not supported");
    base_margin_ = static_cast<float>(Number(j, "base_margin", where));
    const std::string link = String(j, "link", where);
    if (link != "logistic" && link != "identity")
      throw std::runtime_error(where + ".link: expected logistic or identity, found '" + link + "'");
    logistic_ = link == "logistic";
    const auto& trees = Member(j, "trees", where);
    if (!trees.is_array()) throw std::runtime_error(where + ".trees: expected an array");
    std::vector<std::size_t> depths;
    for (std::size_t t = 0; t < trees.size(); ++t)
      depths.push_back(AddTree(trees[t], where + ".trees[" + std::to_string(t) + "]", n_features));
    // Pad the last group with single-leaf trees of output 0 (adding 0.0f leaves the sum unchanged).
    while (roots_.size() % kLanes != 0) {
      roots_.push_back(static_cast<std::int32_t>(nodes_.size()));
      nodes_.AddLeaf(0.0f);
      depths.push_back(0);
    }
    if (nodes_.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw std::runtime_error(where + ".trees: more than 2^31 nodes are not supported");
    for (std::size_t g = 0; g < roots_.size(); g += kLanes)
      group_depth_.push_back(*std::max_element(depths.begin() + static_cast<std::ptrdiff_t>(g),
                                               depths.begin() + static_cast<std::ptrdiff_t>(g + kLanes)));
  }

  float Evaluate(const float* x) const override {
#if HIGGSHUNT_HAS_AVX2
    const float margin = avx2_ ? MarginAvx2(x) : Margin(x);
#else
    const float margin = Margin(x);
#endif
    return logistic_ ? 1.0f / (1.0f + std::exp(-margin)) : margin;
  }

private:
  float Margin(const float* x) const {
    float margin = base_margin_;
    for (std::size_t g = 0; g < group_depth_.size(); ++g) {
      std::int32_t at[kLanes];
      std::copy_n(roots_.data() + g * kLanes, kLanes, at);
      for (std::size_t step = 0; step < group_depth_[g]; ++step) {
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
          const auto i = static_cast<std::size_t>(at[lane]);
          const std::uint32_t word = nodes_.word[i];
          const float v = x[word & kFeatureMask];
          // `v < threshold` is false for NaN, which then follows the default direction.
          const bool left = (v < nodes_.threshold[i]) | (std::isnan(v) & ((word & kDefaultLeftBit) != 0)) |
                            ((word & kLeafBit) != 0);
          at[lane] = nodes_.left[i] + static_cast<std::int32_t>(!left);
        }
      }
      for (std::size_t lane = 0; lane < kLanes; ++lane) margin += nodes_.output[static_cast<std::size_t>(at[lane])];
    }
    return margin;
  }

#if HIGGSHUNT_HAS_AVX2
  // The same walk with the eight trees of a group in the lanes of one vector, kInFlight groups at a time
  // (a gather waits for the previous one of its walk, so independent walks keep the CPU busy).
  HIGGSHUNT_AVX2 float MarginAvx2(const float* x) const {
    constexpr std::size_t kInFlight = 4;
    float margin = base_margin_;
    std::size_t g = 0;
    for (; g + kInFlight <= group_depth_.size(); g += kInFlight) {
      __m256i at[kInFlight];
      std::size_t depth = 0;
      for (std::size_t k = 0; k < kInFlight; ++k) {
        at[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(roots_.data() + (g + k) * kLanes));
        depth = std::max(depth, group_depth_[g + k]);
      }
      for (std::size_t step = 0; step < depth; ++step)
        for (std::size_t k = 0; k < kInFlight; ++k) at[k] = StepAvx2(x, at[k]);
      for (std::size_t k = 0; k < kInFlight; ++k) margin = AddLeavesAvx2(margin, at[k]);
    }
    for (; g < group_depth_.size(); ++g) {
      __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(roots_.data() + g * kLanes));
      for (std::size_t step = 0; step < group_depth_[g]; ++step) at = StepAvx2(x, at);
      margin = AddLeavesAvx2(margin, at);
    }
    return margin;
  }

  HIGGSHUNT_AVX2 HIGGSHUNT_INLINE __m256i StepAvx2(const float* x, __m256i at) const {
    const auto* word = reinterpret_cast<const int*>(nodes_.word.data());
    const auto* left = reinterpret_cast<const int*>(nodes_.left.data());
    const __m256i w = _mm256_i32gather_epi32(word, at, 4);
    const __m256 threshold = _mm256_i32gather_ps(nodes_.threshold.data(), at, 4);
    const __m256i right = _mm256_add_epi32(_mm256_i32gather_epi32(left, at, 4), _mm256_set1_epi32(1));
    const __m256 v = _mm256_i32gather_ps(x, _mm256_and_si256(w, _mm256_set1_epi32(static_cast<int>(kFeatureMask))), 4);
    const __m256i less = _mm256_castps_si256(_mm256_cmp_ps(v, threshold, _CMP_LT_OQ));
    const __m256i missing = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    const __m256i default_left = _mm256_srai_epi32(w, 31);
    const __m256i leaf = _mm256_srai_epi32(_mm256_slli_epi32(w, 1), 31);
    const __m256i go_left = _mm256_or_si256(_mm256_or_si256(less, leaf), _mm256_and_si256(missing, default_left));
    return _mm256_add_epi32(right, go_left);  // go_left is -1 (all bits) or 0
  }

  HIGGSHUNT_AVX2 HIGGSHUNT_INLINE float AddLeavesAvx2(float margin, __m256i at) const {
    alignas(32) float leaves[kLanes];
    _mm256_store_ps(leaves, _mm256_i32gather_ps(nodes_.output.data(), at, 4));
    for (const float leaf : leaves) margin += leaf;  // in tree order, as the scalar walk
    return margin;
  }
#endif

  // Appends one tree; returns its depth (steps from the root to the deepest leaf).
  std::size_t AddTree(const nlohmann::json& tree, const std::string& at, std::size_t n_features) {
    const auto left = Integers(tree, "left", at);
    const std::size_t n = left.size();
    if (n == 0) throw std::runtime_error(at + ".left: a tree needs at least one node");
    const auto right = Integers(tree, "right", at, n);
    const auto feature = Integers(tree, "feature", at, n);
    const auto value = Floats(tree, "value", at, n);
    const auto default_left = Integers(tree, "default_left", at, n);
    for (std::size_t i = 0; i < n; ++i) {
      if (left[i] < 0) continue;
      const auto self = static_cast<std::int64_t>(i);
      const auto n_nodes = static_cast<std::int64_t>(n);
      // Children after their parent (XGBoost's order) also rules out cycles.
      if (left[i] <= self || right[i] <= self || left[i] >= n_nodes || right[i] >= n_nodes)
        throw std::runtime_error(at + ": node " + std::to_string(i) + " has invalid children");
      if (feature[i] < 0 || feature[i] >= static_cast<std::int64_t>(n_features))
        throw std::runtime_error(at + ".feature: node " + std::to_string(i) + " splits on feature " +
                                 std::to_string(feature[i]) + ", the model has " + std::to_string(n_features));
    }
    // Breadth-first renumbering: the children of every split get adjacent positions.
    const std::size_t base = nodes_.size();
    roots_.push_back(static_cast<std::int32_t>(base));
    std::vector<std::size_t> order{0};  // original index of the node at each new position
    std::vector<std::size_t> depth{0};
    std::size_t max_depth = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const std::size_t i = order[k];
      max_depth = std::max(max_depth, depth[k]);
      if (left[i] < 0) {
        nodes_.AddLeaf(value[i]);
        continue;
      }
      const std::uint32_t word = static_cast<std::uint32_t>(feature[i]) | (default_left[i] != 0 ? kDefaultLeftBit : 0u);
      nodes_.Add(value[i], base + order.size(), word, 0.0f);
      order.push_back(static_cast<std::size_t>(left[i]));
      order.push_back(static_cast<std::size_t>(right[i]));
      depth.push_back(depth[k] + 1);
      depth.push_back(depth[k] + 1);
    }
    if (order.size() != n) throw std::runtime_error(at + ": some nodes are not reachable from the root");
    return max_depth;
  }

  bool avx2_;
  float base_margin_ = 0.0f;
  bool logistic_ = false;
  Nodes nodes_;
  std::vector<std::int32_t> roots_;
  std::vector<std::size_t> group_depth_;  // steps needed by the deepest tree of each group of kLanes
};

}  // namespace

std::unique_ptr<Evaluator> MakeTrees(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                     VectorIsa isa) {
  return std::make_unique<Trees>(j, where, n_features, isa);
}

}  // namespace higgshunt::inference
