// Benchmarks of the compare harness: forward + backward of deep MLPs (issue 4's figure: depth
// 100, width 512, batch 256, float, one core, in well under a second) and one training step.
//
//   build/bench/bench/harness_bench --benchmark_filter=MlpForwardBackward
#include <benchmark/benchmark.h>

#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/normal.hpp>

namespace {

namespace h = nninit::harness;

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

}  // namespace

BENCHMARK(BM_MlpForwardBackwardFloat)->Args({100, 512, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MlpForwardBackwardDouble)->Args({100, 512, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MlpForwardBackwardFloat)->Args({50, 256, 256})->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
