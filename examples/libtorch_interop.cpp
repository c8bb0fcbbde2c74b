// nninit with libtorch: fill torch::nn module weights in place, and reproduce libtorch's own
// initialization bit for bit.
//
// 1. A torch::nn::Linear and a torch::nn::Conv2d get nninit schemes through a row-major
//    Eigen::Map over data_ptr<float>(): no copy, any nninit scheme, nninit's streams (the same
//    values on every thread count, shard split and machine). A conv weight (out, in, kh, kw) is
//    the (out, in*kh*kw) matrix of nninit's shape convention, with the shape saying so.
// 2. nninit::torch_generator(seed) draws what torch::manual_seed(seed) and libtorch draw: a
//    module built after torch::manual_seed(s) has the weight and bias nninit::torch_default gives
//    from torch_generator(s), to the bit.
//
// Exit status 0 when every check holds.
#include <torch/torch.h>

#include <nninit/nninit.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The (dim 0, rest) row-major matrix over a contiguous float tensor's memory, and its shape.
Eigen::Map<row_major> as_matrix(torch::Tensor& t) {
  TORCH_CHECK(t.is_contiguous() && t.scalar_type() == torch::kFloat, "a contiguous float32 tensor");
  return {t.data_ptr<float>(), t.size(0), t.numel() / t.size(0)};
}
nninit::shape shape_of(const torch::Tensor& t) {
  return nninit::shape(std::vector<nninit::index>(t.sizes().begin(), t.sizes().end()));
}

bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && std::memcmp(a.data_ptr<float>(), b.data_ptr<float>(), a.numel() * sizeof(float)) == 0;
}

}  // namespace

int main() {
  torch::NoGradGuard no_grad;  // in-place writes into parameters
  bool ok = true;

  // 1. nninit schemes into libtorch parameters, in place.
  torch::nn::Linear linear(256, 128);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 64, 3));
  const nninit::engine base(2024);
  {
    auto w = as_matrix(linear->weight);
    nninit::kaiming_normal(w, base.fork(0), 0.0, nninit::fan_mode::fan_in, nninit::nonlinearity::relu);
    linear->bias.zero_();
    auto k = as_matrix(conv->weight);  // 64 x 27
    nninit::orthogonal(k, base.fork(1), 1.0, shape_of(conv->weight));
  }
  const double linear_std = linear->weight.std().item<double>();
  const double expected_std = std::sqrt(2.0 / 256);
  std::printf("Linear(256, 128) kaiming_normal: std %.5f (expected %.5f)\n", linear_std, expected_std);
  ok &= std::abs(linear_std / expected_std - 1) < 0.02;  // 32768 values: the std's relative error is ~0.4 %
  const torch::Tensor k = conv->weight.reshape({64, 27});
  const double orthogonality = (k.t().mm(k) - torch::eye(27)).abs().max().item<double>();  // 27 orthonormal columns
  std::printf("Conv2d(3, 64, 3) orthogonal: max |K^T K - I| = %.2e\n", orthogonality);
  ok &= orthogonality < 1e-5;

  // 2. libtorch's own initialization, reproduced.
  for (const std::uint64_t seed : {0, 42, 31337}) {
    torch::manual_seed(seed);
    torch::nn::Linear ref_linear(300, 70);
    torch::nn::Conv2d ref_conv(torch::nn::Conv2dOptions(16, 32, {5, 3}));
    const torch::Tensor ref_normal = torch::empty({1000}).normal_(0.0, 0.02);

    nninit::torch_generator gen(seed);  // the state torch::manual_seed(seed) leaves
    torch::Tensor w1 = torch::empty({70, 300}), b1 = torch::empty({70});
    torch::Tensor w2 = torch::empty({32, 16, 5, 3}), b2 = torch::empty({32});
    torch::Tensor n = torch::empty({1000});
    auto bias1 = as_matrix(b1);
    auto bias2 = as_matrix(b2);
    auto weight1 = as_matrix(w1);
    auto weight2 = as_matrix(w2);
    nninit::torch_default(weight1, bias1, gen);
    nninit::torch_default(weight2, bias2, gen, shape_of(w2));
    auto values = as_matrix(n);
    nninit::normal(values, gen, 0.0, 0.02);

    const bool same = same_bytes(w1, ref_linear->weight) && same_bytes(b1, ref_linear->bias) &&
                      same_bytes(w2, ref_conv->weight) && same_bytes(b2, ref_conv->bias) && same_bytes(n, ref_normal);
    std::printf("seed %llu: Linear(300, 70), Conv2d(16, 32, {5, 3}) and normal_(0, 0.02) x 1000 %s libtorch's\n",
                static_cast<unsigned long long>(seed), same ? "bit-identical to" : "DIFFER from");
    ok &= same;
  }
  return ok ? 0 : 1;
}
