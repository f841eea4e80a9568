// Gradient-boosted tree ensembles with XGBoost's prediction rules: float32 features, `x < threshold` goes left,
// a missing value (NaN) follows the node's default direction, leaves summed tree by tree onto the base margin.
//
// Speed: walking one tree is a chain of dependent loads, so trees are walked eight at a time in lockstep (the
// CPU overlaps the eight chains). Leaves loop onto themselves whatever the features, so every tree of a
// group can take as many steps as the deepest one. The children of a split are adjacent (right = left + 1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "evaluator.hpp"

namespace higgshunt::inference {

namespace {

constexpr std::size_t kLanes = 8;

struct Node {               // 12 bytes
  float threshold;          // of a split
  std::int32_t left;        // absolute index of the left child; a leaf points to itself
  std::uint16_t feature;    // feature index of a split (0 for a leaf)
  bool default_left;        // where a missing value (NaN) goes
  bool leaf;                // a leaf always "goes left", i.e. stays
};

class Trees final : public Evaluator {
public:
  Trees(const nlohmann::json& j, const std::string& where, std::size_t n_features) {
    if (Count(j, "n_inputs", where) != n_features)
      throw std::runtime_error(where + ".n_inputs: expected " + std::to_string(n_features) + " (the feature count)");
    if (n_features > std::numeric_limits<std::uint16_t>::max())
      throw std::runtime_error(where + ": more than 65535 features are not supported");
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
      nodes_.push_back(Leaf(nodes_.size()));
      outputs_.push_back(0.0f);
      depths.push_back(0);
    }
    for (std::size_t g = 0; g < roots_.size(); g += kLanes)
      group_depth_.push_back(*std::max_element(depths.begin() + static_cast<std::ptrdiff_t>(g),
                                               depths.begin() + static_cast<std::ptrdiff_t>(g + kLanes)));
  }

  float Evaluate(const float* x) const override {
    const Node* nodes = nodes_.data();
    float margin = base_margin_;
    for (std::size_t g = 0; g < group_depth_.size(); ++g) {
      std::int32_t at[kLanes];
      std::copy_n(roots_.data() + g * kLanes, kLanes, at);
      for (std::size_t step = 0; step < group_depth_[g]; ++step) {
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
          const Node& node = nodes[at[lane]];
          const float v = x[node.feature];
          // `v < threshold` is false for NaN, which then follows the default direction.
          const bool left = (v < node.threshold) | (std::isnan(v) & node.default_left) | node.leaf;
          at[lane] = node.left + static_cast<std::int32_t>(!left);
        }
      }
      for (std::size_t lane = 0; lane < kLanes; ++lane) margin += outputs_[static_cast<std::size_t>(at[lane])];
    }
    return logistic_ ? 1.0f / (1.0f + std::exp(-margin)) : margin;
  }

private:
  static Node Leaf(std::size_t self) {
    return Node{0.0f, static_cast<std::int32_t>(self), 0, true, true};
  }

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
        nodes_.push_back(Leaf(base + k));
        outputs_.push_back(value[i]);
        continue;
      }
      nodes_.push_back(Node{value[i], static_cast<std::int32_t>(base + order.size()),
                            static_cast<std::uint16_t>(feature[i]), default_left[i] != 0, false});
      outputs_.push_back(0.0f);
      order.push_back(static_cast<std::size_t>(left[i]));
      order.push_back(static_cast<std::size_t>(right[i]));
      depth.push_back(depth[k] + 1);
      depth.push_back(depth[k] + 1);
    }
    if (order.size() != n) throw std::runtime_error(at + ": some nodes are not reachable from the root");
    return max_depth;
  }

  float base_margin_ = 0.0f;
  bool logistic_ = false;
  std::vector<Node> nodes_;
  std::vector<float> outputs_;  // leaf outputs, by node index (0 for splits)
  std::vector<std::int32_t> roots_;
  std::vector<std::size_t> group_depth_;  // steps needed by the deepest tree of each group of kLanes
};

}  // namespace

std::unique_ptr<Evaluator> MakeTrees(const nlohmann::json& j, const std::string& where, std::size_t n_features) {
  return std::make_unique<Trees>(j, where, n_features);
}

}  // namespace higgshunt::inference
