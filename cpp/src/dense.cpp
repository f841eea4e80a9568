// Dense networks: input normalisation, Dense layers with Keras activations, per-unit scale/shift layers
// (BatchNormalization that could not be folded into a neighbouring Dense), and the autoencoder's
// reconstruction error against the normalised input.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "evaluator.hpp"

namespace higgshunt::inference {

namespace {

enum class Activation { kLinear, kRelu, kElu, kSelu, kTanh, kSigmoid, kLeakyRelu, kSwish, kSoftplus };

Activation ParseActivation(const std::string& name, const std::string& where) {
  if (name == "linear") return Activation::kLinear;
  if (name == "relu") return Activation::kRelu;
  if (name == "elu") return Activation::kElu;
  if (name == "selu") return Activation::kSelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "leaky_relu") return Activation::kLeakyRelu;
  if (name == "swish") return Activation::kSwish;
  if (name == "softplus") return Activation::kSoftplus;
  throw std::runtime_error(where + ".activation: unknown activation '" + name + "'");
}

float Sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// The formulas of keras.activations (Keras 3) with their default constants.
void Activate(Activation a, float alpha, float* v, std::size_t n) {
  constexpr float kSeluAlpha = 1.67326324235437728481f;
  constexpr float kSeluScale = 1.05070098735548049342f;
  switch (a) {
    case Activation::kLinear: return;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::max(v[i], 0.0f);
      return;
    case Activation::kElu:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] > 0.0f ? v[i] : std::expm1(v[i]);
      return;
    case Activation::kSelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = kSeluScale * (v[i] > 0.0f ? v[i] : kSeluAlpha * std::expm1(v[i]));
      return;
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::tanh(v[i]);
      return;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < n; ++i) v[i] = Sigmoid(v[i]);
      return;
    case Activation::kLeakyRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] >= 0.0f ? v[i] : alpha * v[i];
      return;
    case Activation::kSwish:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] * Sigmoid(v[i]);
      return;
    case Activation::kSoftplus:  // log(1 + e^v) without overflow
      for (std::size_t i = 0; i < n; ++i) v[i] = std::log1p(std::exp(-std::fabs(v[i]))) + std::max(v[i], 0.0f);
      return;
  }
}

struct Layer {
  std::size_t n_in = 0;
  std::size_t n_out = 0;
  std::vector<float> kernel;  // Dense: n_in x n_out, row-major as in Keras; empty for a scale/shift layer
  std::vector<float> bias;    // Dense bias, or the shift of a scale/shift layer
  std::vector<float> scale;   // scale/shift layer only
  Activation activation = Activation::kLinear;
  float alpha = 0.0f;

  void Apply(const float* in, float* out) const {
    if (kernel.empty()) {
      for (std::size_t j = 0; j < n_out; ++j) out[j] = in[j] * scale[j] + bias[j];
    } else {
      // out = bias + sum_i in[i] * kernel[i, :]: the inner loop runs over contiguous memory and vectorises.
      std::copy(bias.begin(), bias.end(), out);
      for (std::size_t i = 0; i < n_in; ++i) {
        const float xi = in[i];
        const float* w = kernel.data() + i * n_out;
        for (std::size_t j = 0; j < n_out; ++j) out[j] += xi * w[j];
      }
    }
    Activate(activation, alpha, out, n_out);
  }
};

// Per-thread buffers: the normalised input and two alternating layer outputs.
struct Scratch {
  std::vector<float> input, a, b;
};

class Network final : public Evaluator {
public:
  Network(const nlohmann::json& j, const std::string& where, std::size_t n_features, bool reconstruction_mse)
      : n_in_(n_features), mse_(reconstruction_mse) {
    if (Count(j, "n_inputs", where) != n_features)
      throw std::runtime_error(where + ".n_inputs: expected " + std::to_string(n_features) + " (the feature count)");
    const auto& norm = Member(j, "normalization", where);
    mean_ = Floats(norm, "mean", where + ".normalization", n_features);
    scale_ = Floats(norm, "scale", where + ".normalization", n_features);
    for (const float s : scale_)
      if (!(s > 0.0f)) throw std::runtime_error(where + ".normalization.scale: expected positive values");
    const auto& layers = Member(j, "layers", where);
    if (!layers.is_array() || layers.empty()) throw std::runtime_error(where + ".layers: expected a non-empty array");
    std::size_t width = n_features;
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const std::string at = where + ".layers[" + std::to_string(k) + "]";
      layers_.push_back(ParseLayer(layers[k], at, width));
      width = layers_.back().n_out;
      max_width_ = std::max(max_width_, width);
    }
    if (mse_ && width != n_features)
      throw std::runtime_error(where + ".layers: the autoencoder output has " + std::to_string(width) +
                               " values, expected " + std::to_string(n_features));
    if (!mse_ && width != 1)
      throw std::runtime_error(where + ".layers: the network output has " + std::to_string(width) +
                               " values, expected 1");
  }

  float Evaluate(const float* x) const override {
    thread_local Scratch s;
    if (s.a.size() < max_width_) {  // first call of this thread, or a wider model than before
      s.a.resize(max_width_);
      s.b.resize(max_width_);
    }
    if (s.input.size() < n_in_) s.input.resize(n_in_);
    for (std::size_t i = 0; i < n_in_; ++i) s.input[i] = (x[i] - mean_[i]) / scale_[i];
    const float* in = s.input.data();
    float* out = s.a.data();
    for (const auto& layer : layers_) {
      layer.Apply(in, out);
      in = out;
      out = (out == s.a.data()) ? s.b.data() : s.a.data();
    }
    if (!mse_) return in[0];
    double sum = 0.0;
    for (std::size_t i = 0; i < n_in_; ++i) {
      const double d = static_cast<double>(s.input[i]) - static_cast<double>(in[i]);
      sum += d * d;
    }
    return static_cast<float>(sum / static_cast<double>(n_in_));
  }

private:
  static Layer ParseLayer(const nlohmann::json& j, const std::string& at, std::size_t n_in) {
    Layer layer;
    layer.n_in = n_in;
    const std::string type = String(j, "type", at);
    if (type == "dense") {
      layer.n_out = Count(j, "n_out", at);
      if (layer.n_out == 0) throw std::runtime_error(at + ".n_out: expected a positive width");
      if (Count(j, "n_in", at) != n_in)
        throw std::runtime_error(at + ".n_in: expected " + std::to_string(n_in) + " (the previous layer's width)");
      layer.kernel = Floats(j, "kernel", at, n_in * layer.n_out);
      layer.bias = Floats(j, "bias", at, layer.n_out);
      layer.activation = ParseActivation(String(j, "activation", at), at);
      if (layer.activation == Activation::kLeakyRelu) layer.alpha = static_cast<float>(Number(j, "alpha", at));
    } else if (type == "scale_shift") {
      layer.n_out = n_in;
      layer.scale = Floats(j, "scale", at, n_in);
      layer.bias = Floats(j, "shift", at, n_in);
    } else {
      throw std::runtime_error(at + ".type: unknown layer type '" + type + "' (expected dense or scale_shift)");
    }
    return layer;
  }

  std::size_t n_in_;
  bool mse_;
  std::vector<float> mean_, scale_;  // x_norm = (x - mean) / scale
  std::vector<Layer> layers_;
  std::size_t max_width_ = 0;
};

}  // namespace

std::unique_ptr<Evaluator> MakeNetwork(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                       bool reconstruction_mse) {
  return std::make_unique<Network>(j, where, n_features, reconstruction_mse);
}

}  // namespace higgshunt::inference
