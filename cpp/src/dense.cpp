// Dense networks: input normalisation, Dense layers with Keras activations, per-unit scale/shift layers
// (BatchNormalization that could not be folded into a neighbouring Dense), and the autoencoder's
// reconstruction error against the normalised input.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

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

HIGGSHUNT_INLINE float Sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// The formulas of keras.activations (Keras 3) with their default constants.
HIGGSHUNT_INLINE void Activate(Activation a, float alpha, float* v, std::size_t n) {
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

// Kernels are stored (n_in x stride), row-major as in Keras, with each row padded by zeros to `stride`, a
// multiple of kPad. The outputs of a block of B columns stay in registers while all inputs are added in:
// out[j] = bias[j] + sum_i in[i] * kernel[i, j]. With kFma each product is added by a fused multiply-add.
constexpr std::size_t kPad = 16;

template <bool kFma>
HIGGSHUNT_INLINE float MulAdd(float a, float b, float c) {
  if constexpr (kFma) {
    return __builtin_fmaf(a, b, c);
  } else {
    return a * b + c;
  }
}

template <std::size_t B, bool kFma>
HIGGSHUNT_INLINE void DenseBlock(const float* in, const float* kernel, const float* bias, float* out,
                                 std::size_t n_in, std::size_t stride) {
  float acc[B];
  for (std::size_t j = 0; j < B; ++j) acc[j] = bias[j];
  for (std::size_t i = 0; i < n_in; ++i) {
    const float xi = in[i];
    const float* w = kernel + i * stride;
    for (std::size_t j = 0; j < B; ++j) acc[j] = MulAdd<kFma>(xi, w[j], acc[j]);
  }
  for (std::size_t j = 0; j < B; ++j) out[j] = acc[j];
}

template <bool kFma>
HIGGSHUNT_INLINE void Dense(const float* in, const float* kernel, const float* bias, float* out, std::size_t n_in,
                            std::size_t stride) {
  std::size_t j = 0;
  for (; j + 64 <= stride; j += 64) DenseBlock<64, kFma>(in, kernel + j, bias + j, out + j, n_in, stride);
  for (; j < stride; j += kPad) DenseBlock<kPad, kFma>(in, kernel + j, bias + j, out + j, n_in, stride);
}

// A single output (the classifier's last layer): a dot product with 16 partial sums, the tail added into the
// first partial sums and the sums reduced pairwise (no long chain of dependent additions).
template <bool kFma>
HIGGSHUNT_INLINE float Dot(const float* in, const float* w, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) acc[l] = MulAdd<kFma>(in[i + l], w[i + l], acc[l]);
  for (std::size_t l = 0; i + l < n; ++l) acc[l] = MulAdd<kFma>(in[i + l], w[i + l], acc[l]);
  for (std::size_t half = kLanes / 2; half > 0; half /= 2)
    for (std::size_t l = 0; l < half; ++l) acc[l] += acc[l + half];
  return acc[0];
}

struct Layer {
  std::size_t n_in = 0;
  std::size_t n_out = 0;
  std::size_t stride = 0;     // Dense: row length of `kernel` (n_out rounded up to kPad)
  std::vector<float> kernel;  // Dense: n_in x stride; for n_out = 1 the n_in weights; empty for scale/shift
  std::vector<float> bias;    // Dense bias (padded to stride), or the shift of a scale/shift layer
  std::vector<float> scale;   // scale/shift layer only
  Activation activation = Activation::kLinear;
  float alpha = 0.0f;

  template <bool kFma>
  HIGGSHUNT_INLINE void Apply(const float* in, float* out) const {
    if (kernel.empty()) {
      for (std::size_t j = 0; j < n_out; ++j) out[j] = in[j] * scale[j] + bias[j];
    } else if (n_out == 1) {
      out[0] = bias[0] + Dot<kFma>(in, kernel.data(), n_in);
    } else {
      Dense<kFma>(in, kernel.data(), bias.data(), out, n_in, stride);
    }
    Activate(activation, alpha, out, n_out);
  }
};

// Scratch memory of one evaluation (normalised input and two alternating layer outputs) lives on the stack up
// to this width, and in a per-thread buffer for wider networks.
constexpr std::size_t kStackWidth = 256;

class Network final : public Evaluator {
public:
  Network(const nlohmann::json& j, const std::string& where, std::size_t n_features, bool reconstruction_mse,
          VectorIsa isa)
      : n_in_(n_features), mse_(reconstruction_mse), isa_(isa), max_width_(n_features) {
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
      max_width_ = std::max({max_width_, width, layers_.back().stride});
    }
    if (mse_ && width != n_features)
      throw std::runtime_error(where + ".layers: the autoencoder output has " + std::to_string(width) +
                               " values, expected " + std::to_string(n_features));
    if (!mse_ && width != 1)
      throw std::runtime_error(where + ".layers: the network output has " + std::to_string(width) +
                               " values, expected 1");
  }

  float Evaluate(const float* x) const override {
    if (max_width_ <= kStackWidth) {
      float scratch[3 * kStackWidth];
      return Run(x, scratch);
    }
    thread_local std::vector<float> scratch;
    if (scratch.size() < 3 * max_width_) scratch.resize(3 * max_width_);  // once per thread and width
    return Run(x, scratch.data());
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
      const auto kernel = Floats(j, "kernel", at, n_in * layer.n_out);
      layer.bias = Floats(j, "bias", at, layer.n_out);
      if (layer.n_out == 1) {
        layer.kernel = kernel;
      } else {
        layer.stride = (layer.n_out + kPad - 1) / kPad * kPad;
        layer.kernel.assign(n_in * layer.stride, 0.0f);
        for (std::size_t i = 0; i < n_in; ++i)
          std::copy_n(kernel.begin() + static_cast<std::ptrdiff_t>(i * layer.n_out), layer.n_out,
                      layer.kernel.begin() + static_cast<std::ptrdiff_t>(i * layer.stride));
        layer.bias.resize(layer.stride, 0.0f);
      }
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

  float Run(const float* x, float* scratch) const {
#if HIGGSHUNT_HAS_AVX2
    if (isa_ == VectorIsa::kAvx512) return RunAvx512(x, scratch);
    if (isa_ == VectorIsa::kAvx2) return RunAvx2(x, scratch);
#endif
    return Forward<false>(x, scratch);
  }

#if HIGGSHUNT_HAS_AVX2
  HIGGSHUNT_AVX2 float RunAvx2(const float* x, float* scratch) const { return Forward<true>(x, scratch); }
  HIGGSHUNT_AVX512 float RunAvx512(const float* x, float* scratch) const { return Forward<true>(x, scratch); }
#endif

  // `scratch` holds 3 * max_width_ floats.
  template <bool kFma>
  HIGGSHUNT_INLINE float Forward(const float* x, float* scratch) const {
    float* input = scratch;
    for (std::size_t i = 0; i < n_in_; ++i) input[i] = (x[i] - mean_[i]) / scale_[i];
    const float* in = input;
    float* out = scratch + max_width_;
    float* other = scratch + 2 * max_width_;
    for (const auto& layer : layers_) {
      layer.Apply<kFma>(in, out);
      in = out;
      std::swap(out, other);
    }
    if (!mse_) return in[0];
    double sum = 0.0;
    for (std::size_t i = 0; i < n_in_; ++i) {
      const double d = static_cast<double>(input[i]) - static_cast<double>(in[i]);
      sum += d * d;
    }
    return static_cast<float>(sum / static_cast<double>(n_in_));
  }

  std::size_t n_in_;
  bool mse_;
  VectorIsa isa_;
  std::vector<float> mean_, scale_;  // x_norm = (x - mean) / scale
  std::vector<Layer> layers_;
  std::size_t max_width_;  // widest of the input, the layer outputs and their padded strides
};

}  // namespace

std::unique_ptr<Evaluator> MakeNetwork(const nlohmann::json& j, const std::string& where, std::size_t n_features,
                                       bool reconstruction_mse, VectorIsa isa) {
  return std::make_unique<Network>(j, where, n_features, reconstruction_mse, isa);
}

}  // namespace higgshunt::inference
