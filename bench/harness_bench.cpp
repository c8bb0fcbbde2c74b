// Benchmarks of the compare harness: forward + backward of deep MLPs (issue 4's figure: depth
// 100, width 512, batch 256, float, one core, in well under a second), and a whole training step
// (forward, softmax cross-entropy, backward, optimizer) of each model with and without
// normalization, against a ceiling measured in the same run: Eigen's own single-thread float
// GEMM on 512 x 512 x 512, the best rate the harness's products could reach on this machine.
//
//   build/bench/bench/harness_bench                                  everything
//   build/bench/bench/harness_bench --benchmark_filter=TrainStep     the training steps
//
// A training step counts 6 x (forward multiply-adds) x batch FLOPs (forward 2, weight gradient
// 2, input gradient 2), less the first layer's input gradient, which training skips. Counters:
// GFLOP/s, ceiling_GFLOP/s (the GEMM's, measured right after each) and of_ceiling (their ratio).
// The figures the README quotes: MLP steps at >= 50 % of the ceiling, the ResNet's >= 30 %, the
// ViT's and the character LM's >= 40 %.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/optimizer.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/harness/train.hpp>
#include <nninit/harness/transformer.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

namespace {

namespace h = nninit::harness;
using clock_type = std::chrono::steady_clock;

/// GFLOP/s of Eigen's float GEMM C = A B on 512^3, one thread: the best of three 0.1 s rounds.
/// Measured again beside each training-step benchmark, so that the ratio compares two rates
/// taken under the same conditions (this machine's two vCPUs share a core with the host's load).
double gemm_ceiling() {
  const nninit::index n = 512;
  Eigen::MatrixXf a(n, n), b(n, n), c(n, n);
  nninit::normal(a, nninit::engine{1});
  nninit::normal(b, nninit::engine{2});
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    int reps = 0;
    const auto start = clock_type::now();
    double seconds = 0;
    do {
      c.noalias() = a * b;
      benchmark::DoNotOptimize(c.data());
      ++reps;
      seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    } while (seconds < 0.1);
    best = std::max(best, 2.0 * n * n * n * reps / seconds * 1e-9);
  }
  return best;
}

void BM_GemmCeiling(benchmark::State& state) {
  const nninit::index n = 512;
  Eigen::MatrixXf a(n, n), b(n, n), c(n, n);
  nninit::normal(a, nninit::engine{1});
  nninit::normal(b, nninit::engine{2});
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <class T>
void mlp_forward_backward(benchmark::State& state) {
  h::mlp_config c;
  c.depth = state.range(0);
  c.inputs = c.width = state.range(1);
  const nninit::index batch = state.range(2);
  h::mlp<T> net(c);
  h::initialize(net, nninit::initializer("kaiming_normal"), nninit::engine{1});
  h::matrix<T> x(c.width, batch), g(c.width, batch);
  nninit::normal(x, nninit::engine{2});
  nninit::normal(g, nninit::engine{3});
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.forward(x).data());
    benchmark::DoNotOptimize(net.backward(g).data());
  }
  // 2 n^2 b flops per layer forward, twice that backward (input and weight gradients).
  const double flops = 6.0 * static_cast<double>(c.depth) * static_cast<double>(c.width * c.width) * static_cast<double>(batch);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MlpForwardBackwardFloat(benchmark::State& state) { mlp_forward_backward<float>(state); }
void BM_MlpForwardBackwardDouble(benchmark::State& state) { mlp_forward_backward<double>(state); }

enum class model { mlp, resmlp, resnet };

std::unique_ptr<h::graph_network<float>> make(model m, h::norm_kind norm) {
  if (m == model::mlp) {  // compare's default network, trained on Fashion-MNIST's 784 pixels
    h::mlp_config c;
    c.inputs = 784, c.width = 256, c.depth = 50, c.outputs = 10, c.bias = true, c.norm = norm;
    return std::make_unique<h::mlp<float>>(c);
  }
  if (m == model::resmlp) {  // data_dependent.md §C's residual MLP
    h::resmlp_config c;
    c.inputs = 784, c.width = 128, c.blocks = 32, c.outputs = 10, c.bias = true, c.norm = norm;
    return std::make_unique<h::resmlp<float>>(c);
  }
  h::resnet_config c;  // ResNet-20 on 28 x 28 images, compare's default resnet
  c.blocks_per_stage = 3, c.norm = norm;
  return std::make_unique<h::resnet<float>>(c);
}

/// Times steps (forward, softmax cross-entropy, backward, `opt`'s update) of `net` on (x, labels)
/// and sets the counters: GFLOP/s at `flops` per step, the GEMM ceiling beside it, their ratio.
void time_steps(benchmark::State& state, h::graph_network<float>& net, const h::matrix<float>& x,
                const std::vector<int>& labels, const h::optimizer_options& options, double flops) {
  h::optimizer<float> opt(net.parameters(), options);
  net.set_input_gradient(false);
  h::matrix<float> grad;
  double seconds = 0;
  for (auto _ : state) {
    const auto start = clock_type::now();
    h::detail::softmax_cross_entropy<float>(net.forward(x), labels.data(), &grad, nullptr);
    net.backward(grad);
    opt.step(1e-4);
    seconds += std::chrono::duration<double>(clock_type::now() - start).count();
  }
  const double achieved = flops * static_cast<double>(state.iterations()) / seconds * 1e-9;
  const double ceiling = gemm_ceiling();
  state.counters["GFLOP/s"] = achieved;
  state.counters["ceiling_GFLOP/s"] = ceiling;
  state.counters["of_ceiling"] = achieved / ceiling;
  state.SetLabel(net.summary());
}

/// One SGD step of `m` on a fixed batch of 128 random images with random labels.
void train_step(benchmark::State& state, model m, h::norm_kind norm) {
  auto net = make(m, norm);
  h::initialize(*net, nninit::initializer("kaiming_normal"), nninit::engine{1});
  const nninit::index batch = 128;
  h::matrix<float> x(net->input_size(), batch);
  nninit::normal(x, nninit::engine{2});
  std::vector<int> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 10);
  auto& g = net->steps();
  double first = 0;  // the first layer's multiply-adds: its input gradient is skipped
  for (std::size_t k = 0; k < g.size() && first == 0; ++k)
    if (g.layer_at(k)) first = g.layer_at(k)->macs_per_example();
  time_steps(state, *net, x, labels, h::optimizer_options{}, (6.0 * g.macs_per_example() - 2.0 * first) * static_cast<double>(batch));
}

/// One AdamW step of the ViT (compare --arch vit's default: L = 12, d = 64, 4 heads, d_ff = 128,
/// 7x7 patches, pre-LN) on 64 random images, or of the character LM (L = 6, d = 128, 4 heads,
/// d_ff = 512, context 64, vocabulary 128) on 32 random windows. FLOPs counted per token as the
/// harness computes them: 4 d^2 (q, k, v, o) + 2 d d_ff (FFN) + 2 n d (scores and mix over all n
/// keys; the causal mask zeroes, it does not skip), the patch projection or readout beside.
void train_step_transformer(benchmark::State& state, bool lm) {
  h::transformer_stack st;
  std::unique_ptr<h::graph_network<float>> net;
  nninit::index batch = 0, tokens = 0;
  double head = 0;  // multiply-adds per example outside the blocks
  if (lm) {
    st.blocks = 6, st.width = 128, st.heads = 4, st.ffn_width = 512;
    h::lm_config c;
    c.stack = st, c.context = 64, c.vocabulary = 128;
    net = std::make_unique<h::char_lm<float>>(c);
    batch = 32, tokens = 64, head = 64.0 * 128 * 128;
  } else {
    st.blocks = 12, st.width = 64, st.heads = 4, st.ffn_width = 128;
    h::vit_config c;
    c.stack = st;
    net = std::make_unique<h::vit<float>>(c);
    batch = 64, tokens = 17, head = 16.0 * 49 * 64 + 64.0 * 10;
  }
  h::initialize(*net, nninit::initializer("torch_default"), nninit::engine{1});
  h::matrix<float> x(net->input_size(), lm ? batch * tokens : batch);
  nninit::uniform(x, nninit::engine{2}, 0.0, lm ? 127.0 : 1.0);
  if (lm) x = x.array().floor().matrix();
  std::vector<int> labels(static_cast<std::size_t>(lm ? batch * tokens : batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 10);
  h::optimizer_options adamw;
  adamw.algorithm = h::optimizer_kind::adamw;
  const double d = static_cast<double>(st.width), n = static_cast<double>(tokens);
  const double per_token = 4 * d * d + 2 * d * static_cast<double>(st.ffn_width) + 2 * n * d;
  const double macs = static_cast<double>(st.blocks) * n * per_token + head;
  time_steps(state, *net, x, labels, adamw, 6.0 * macs * static_cast<double>(batch));
}

void BM_TrainStepMlp(benchmark::State& s) { train_step(s, model::mlp, h::norm_kind::none); }
void BM_TrainStepMlpBatchNorm(benchmark::State& s) { train_step(s, model::mlp, h::norm_kind::batch); }
void BM_TrainStepMlpLayerNorm(benchmark::State& s) { train_step(s, model::mlp, h::norm_kind::layer); }
void BM_TrainStepResMlp(benchmark::State& s) { train_step(s, model::resmlp, h::norm_kind::none); }
void BM_TrainStepResMlpBatchNorm(benchmark::State& s) { train_step(s, model::resmlp, h::norm_kind::batch); }
void BM_TrainStepResNet(benchmark::State& s) { train_step(s, model::resnet, h::norm_kind::none); }
void BM_TrainStepResNetBatchNorm(benchmark::State& s) { train_step(s, model::resnet, h::norm_kind::batch); }
void BM_TrainStepViT(benchmark::State& s) { train_step_transformer(s, false); }
void BM_TrainStepCharLM(benchmark::State& s) { train_step_transformer(s, true); }

}  // namespace

BENCHMARK(BM_GemmCeiling)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MlpForwardBackwardFloat)->Args({100, 512, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MlpForwardBackwardDouble)->Args({100, 512, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MlpForwardBackwardFloat)->Args({50, 256, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepMlp)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepMlpBatchNorm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepMlpLayerNorm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepResMlp)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepResMlpBatchNorm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStepResNet)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_TrainStepResNetBatchNorm)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_TrainStepViT)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(BM_TrainStepCharLM)->Unit(benchmark::kMillisecond)->MinTime(2);

BENCHMARK_MAIN();
