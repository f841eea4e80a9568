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

// On x86-64 the dense kernels are compiled twice, for AVX2+FMA and for the baseline, and the loader picks the one
// the CPU supports: the library stays portable while the hot loops use 8-wide vectors where they can.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define HIGGSHUNT_VECTOR_CLONES __attribute__((target_clones("arch=haswell", "default")))
#define HIGGSHUNT_INLINE __attribute__((always_inline)) inline  // compiled inside each clone
#else
#define HIGGSHUNT_VECTOR_CLONES
#define HIGGSHUNT_INLINE inline
#endif

// Kernels are stored (n_in x stride), row-major as in Keras, with each row padded by zeros to `stride`, a
// multiple of kPad. The outputs of a block of B columns stay in registers while all inputs are added in:
// out[j] = bias[j] + sum_i in[i] * kernel[i, j].
constexpr std::size_t kPad = 16;

template <std::size_t B>
HIGGSHUNT_INLINE void DenseBlock(const float* in, const float* kernel, const float* bias, float* out, std::size_t n_in,
                       std::size_t stride) {
  float acc[B];
  for (std::size_t j = 0; j < B; ++j) acc[j] = bias[j];
  for (std::size_t i = 0; i < n_in; ++i) {
    const float xi = in[i];
    const float* w = kernel + i * stride;
    for (std::size_t j = 0; j < B; ++j) acc[j] += xi * w[j];
  }
  for (std::size_t j = 0; j < B; ++j) out[j] = acc[j];
}

HIGGSHUNT_VECTOR_CLONES
void DenseKernel(const float* in, const float* kernel, const float* bias, float* out, std::size_t n_in,
                 std::size_t stride) {
  std::size_t j = 0;
  for (; j + 64 <= stride; j += 64) DenseBlock<64>(in, kernel + j, bias + j, out + j, n_in, stride);
  for (; j < stride; j += kPad) DenseBlock<kPad>(in, kernel + j, bias + j, out + j, n_in, stride);
}

// A single output (the classifier's last layer): a dot product with 32 partial sums.
HIGGSHUNT_VECTOR_CLONES
float DotKernel(const float* in, const float* w, std::size_t n) {
  constexpr std::size_t kLanes = 32;
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) acc[l] += in[i + l] * w[i + l];
  float sum = 0.0f;
  for (; i < n; ++i) sum += in[i] * w[i];
  for (std::size_t l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
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

  void Apply(const float* in, float* out) const {
    if (kernel.empty()) {
      for (std::size_t j = 0; j < n_out; ++j) out[j] = in[j] * scale[j] + bias[j];
    } else if (n_out == 1) {
      out[0] = bias[0] + DotKernel(in, kernel.data(), n_in);
    } else {
      DenseKernel(in, kernel.data(), bias.data(), out, n_in, stride);
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
