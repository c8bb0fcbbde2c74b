// nninit: PyTorch's default initialization of nn.Linear and nn.Conv*/ConvTranspose* (weight and bias).
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>
#include <utility>

#include "kaiming.hpp"

namespace nninit {
namespace scheme {

/// The weight of PyTorch's `reset_parameters` for nn.Linear, nn.Conv{1,2,3}d and
/// nn.ConvTranspose{1,2,3}d (torch/nn/modules/{linear,conv}.py): kaiming_uniform with
/// a = sqrt(5), fan_in, leaky_relu, which is U(±1/sqrt(fan_in)) (pytorch/pytorch#57109).
/// fan_in is PyTorch's, dims[1] * k, whatever the shape's `groups` or `transposed` say, so
/// the bound matches PyTorch to the last bit. Weight shapes are PyTorch's: Linear (out, in),
/// Conv (out, in/groups, *k), ConvTranspose (in, out/groups, *k).
struct torch_default : detail::scheme_base<torch_default> {
  static constexpr std::string_view name = "torch_default";
  static constexpr std::string_view reference =
      "PyTorch nn.Linear/nn.Conv*.reset_parameters weight (bound exact, values in distribution)";
  static constexpr bool is_random = true;
  static constexpr double a = 2.2360679774997898;  ///< sqrt(5), PyTorch's literal math.sqrt(5)

  template <class V> void visit_options(V&&) {}

  plan make_plan(const detail::context& ctx) const {
    detail::context pytorch = ctx;
    pytorch.shape.groups = 1;
    pytorch.shape.transposed = false;
    return detail::kaiming_plan(pytorch, name, a, fan_mode::fan_in, nonlinearity::leaky_relu,
                                variance_distribution::uniform);
  }
};

}  // namespace scheme

namespace detail {
/// The bias's plan (U(±1/sqrt(fan_in)), fan_in of the weight of shape `weight_shape`) and where
/// the bias sits, after checking that it is a vector.
template <class Bias>
std::pair<plan, context> torch_default_bias_plan(const Bias& b, const shape& weight_shape) {
  context ctx = resolve("torch_default", weight_shape);
  if (b.rows() != 1 && b.cols() != 1) ctx.check.fail("bias", "a vector", cat(number(b.rows()), "x", number(b.cols())));
  ctx.shape.groups = 1;
  ctx.shape.transposed = false;
  const index fan_in = ctx.fans().in;
  context at_bias = resolve("torch_default", shape{b.size()}, b.rows(), b.cols());
  plan p{"torch_default", at_bias.shape, distribution::uniform};
  p.hi = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  p.lo = -p.hi;
  return {p, std::move(at_bias)};
}
}  // namespace detail

/// The bias of the same modules: U(±1/sqrt(fan_in)), fan_in of the weight of shape
/// `weight_shape`; zeros when fan_in is 0 (PyTorch's Linear does the same; its Conv leaves the
/// bias uninitialized then). Drawn from the engine's bias domain, so weight and bias may share
/// one engine; or, from a torch_generator, as PyTorch's `init.uniform_(bias, -bound, bound)`.
template <class Bias, class Rng>
void torch_default_bias(Bias&& bias, Rng&& rng, const shape& weight_shape) {
  auto& b = detail::writable(std::forward<Bias>(bias));
  const auto [p, at_bias] = detail::torch_default_bias_plan(b, weight_shape);
  if (at_bias.empty()) return;
  if constexpr (std::is_same_v<std::remove_cv_t<std::remove_reference_t<Rng>>, torch_generator>)
    detail::torch_cpu::fill(p, b, rng);
  else
    detail::sample(p, b, at_bias.geom, detail::to_engine(rng), detail::domain::bias);
}

/// Weight and bias of a PyTorch default layer. `s` is the weight's shape (empty: the target's).
/// With a torch_generator, the weight is drawn first and then the bias, as reset_parameters
/// draws them, so the pair is PyTorch's to the bit.
template <class Weight, class Bias, class Rng>
void torch_default(Weight&& weight, Bias&& bias, Rng&& rng, shape s = {}) {
  if (s.dims.empty()) s.dims = {static_cast<index>(weight.rows()), static_cast<index>(weight.cols())};
  // Validate the weight before the bias is written, so a bad call writes nothing.
  scheme::torch_default{}.make_plan(detail::resolve(scheme::torch_default::name, s, weight.rows(), weight.cols()));
  if constexpr (std::is_same_v<std::remove_cv_t<std::remove_reference_t<Rng>>, torch_generator>) {
    detail::torch_default_bias_plan(bias, s);  // and the bias before the weight advances the generator
    scheme::torch_default{}(std::forward<Weight>(weight), rng, s);
    torch_default_bias(std::forward<Bias>(bias), rng, s);
  } else {
    const engine eng = detail::to_engine(rng);  // one draw from a URBG serves both tensors
    torch_default_bias(std::forward<Bias>(bias), eng, s);
    scheme::torch_default{}(std::forward<Weight>(weight), eng, s);
  }
}

}  // namespace nninit
