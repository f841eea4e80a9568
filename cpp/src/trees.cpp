// Gradient-boosted tree ensembles with XGBoost's prediction rules: float32 features, `x < threshold` goes left,
// a missing value (NaN) follows the node's default direction, leaves summed tree by tree onto the base margin.
#include <cmath>
#include <stdexcept>

#include "evaluator.hpp"

namespace higgshunt::inference {

namespace {

struct Node {
  float value;           // threshold of a split, output of a leaf
  std::int32_t feature;  // -1 for a leaf
  std::int32_t left;     // absolute indices into the ensemble's node array
  std::int32_t right;
  bool default_left;
};

class Trees final : public Evaluator {
public:
  Trees(const nlohmann::json& j, const std::string& where, std::size_t n_features) {
    if (Count(j, "n_inputs", where) != n_features)
      throw std::runtime_error(where + ".n_inputs: expected " + std::to_string(n_features) + " (the feature count)");
    base_margin_ = static_cast<float>(Number(j, "base_margin", where));
    const std::string link = String(j, "link", where);
    if (link != "logistic" && link != "identity")
      throw std::runtime_error(where + ".link: expected logistic or identity, found '" + link + "'");
    logistic_ = link == "logistic";
    const auto& trees = Member(j, "trees", where);
    if (!trees.is_array()) throw std::runtime_error(where + ".trees: expected an array");
    for (std::size_t t = 0; t < trees.size(); ++t)
      AddTree(trees[t], where + ".trees[" + std::to_string(t) + "]", n_features);
  }

  float Evaluate(const float* x) const override {
    float margin = base_margin_;
    for (const std::int32_t root : roots_) {
      const Node* node = &nodes_[static_cast<std::size_t>(root)];
      while (node->feature >= 0) {
        const float v = x[node->feature];
        const std::int32_t next = std::isnan(v) ? (node->default_left ? node->left : node->right)
                                                : (v < node->value ? node->left : node->right);
        node = &nodes_[static_cast<std::size_t>(next)];
      }
      margin += node->value;
    }
    return logistic_ ? 1.0f / (1.0f + std::exp(-margin)) : margin;
  }

private:
  void AddTree(const nlohmann::json& tree, const std::string& at, std::size_t n_features) {
    const auto left = Integers(tree, "left", at);
    const std::size_t n = left.size();
    if (n == 0) throw std::runtime_error(at + ".left: a tree needs at least one node");
    const auto right = Integers(tree, "right", at, n);
    const auto feature = Integers(tree, "feature", at, n);
    const auto value = Floats(tree, "value", at, n);
    const auto default_left = Integers(tree, "default_left", at, n);
    const auto offset = static_cast<std::int64_t>(nodes_.size());
    roots_.push_back(static_cast<std::int32_t>(offset));
    for (std::size_t i = 0; i < n; ++i) {
      const bool leaf = left[i] < 0;
      const auto self = static_cast<std::int64_t>(i);
      const auto n_nodes = static_cast<std::int64_t>(n);
      // Children after their parent (XGBoost's order) also rules out cycles.
      if (!leaf && (left[i] <= self || right[i] <= self || left[i] >= n_nodes || right[i] >= n_nodes))
        throw std::runtime_error(at + ": node " + std::to_string(i) + " has invalid children");
      if (!leaf && (feature[i] < 0 || feature[i] >= static_cast<std::int64_t>(n_features)))
        throw std::runtime_error(at + ".feature: node " + std::to_string(i) + " splits on feature " +
                                 std::to_string(feature[i]) + ", the model has " + std::to_string(n_features));
      nodes_.push_back(Node{value[i], leaf ? -1 : static_cast<std::int32_t>(feature[i]),
                            leaf ? -1 : static_cast<std::int32_t>(offset + left[i]),
                            leaf ? -1 : static_cast<std::int32_t>(offset + right[i]), default_left[i] != 0});
    }
  }

  float base_margin_ = 0.0f;
  bool logistic_ = false;
  std::vector<Node> nodes_;
  std::vector<std::int32_t> roots_;
};

}  // namespace

std::unique_ptr<Evaluator> MakeTrees(const nlohmann::json& j, const std::string& where, std::size_t n_features) {
  return std::make_unique<Trees>(j, where, n_features);
}

}  // namespace higgshunt::inference
