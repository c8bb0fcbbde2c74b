// Initializing a small MLP and a conv layer the way a trainer would: one engine per parameter,
// PyTorch's defaults where a layer has no better rule, and a tensor-parallel shard that gets
// exactly the rows of the full weight.
#include <nninit/nninit.hpp>

#include <cstdio>
#include <vector>

int main() {
  const std::uint64_t seed = 2026;
  const std::vector<int> widths = {784, 512, 256, 10};

  // Dense layers: He (kaiming) normal weights for ReLU layers, zero biases; each layer its own stream.
  std::vector<Eigen::MatrixXf> weights;
  std::vector<Eigen::VectorXf> biases;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    weights.emplace_back(widths[l + 1], widths[l]);  // (out, in): y = W x
    biases.emplace_back(widths[l + 1]);
    nninit::kaiming_normal(weights.back(), nninit::engine(seed, l), 0.0, nninit::fan_mode::fan_in,
                           nninit::nonlinearity::relu);
    nninit::zeros(biases.back());
  }

  // A conv layer with PyTorch's nn.Conv2d default (weight and bias), stored (out, in*kh*kw).
  const nninit::shape conv{32, 3, 5, 5};
  Eigen::MatrixXf conv_weight(conv.rows(), conv.cols());
  Eigen::VectorXf conv_bias(32);
  nninit::torch_default(conv_weight, conv_bias, nninit::engine(seed, 100), conv);

  // Tensor parallelism: rank 1 of 4 owns rows [128, 256) of the 512x784 first layer. It fills only
  // its shard, with the whole weight's fans, and gets exactly the rows of the full fill.
  Eigen::MatrixXf shard(128, 784);
  nninit::scheme::kaiming_normal relu_init;
  relu_init.nonlinearity = nninit::nonlinearity::relu;
  relu_init(shard, nninit::engine(seed, 0), nninit::shape{512, 784}.at(128, 0));
  const bool same = shard == weights[0].middleRows(128, 128);

  const auto plan = relu_init.describe(nninit::shape{512, 784});
  std::printf("layer 0: std %.6f (fan_in %lld), shard equals the full fill's rows: %s\n", plan.std,
              static_cast<long long>(plan.fan_in), same ? "yes" : "no");
  std::printf("conv: bound %.6f, max |w| %.6f\n", 1 / std::sqrt(75.0), conv_weight.cwiseAbs().maxCoeff());
  return same ? 0 : 1;
}
