// fill_bench: how fast nninit fills a weight, next to the bandwidth ceiling and the usual ways of
// filling one by hand (std::mt19937 + std::normal_distribution, Eigen's setRandom) and, when
// built with libtorch (NNINIT_HAVE_TORCH), torch::nn::init::kaiming_normal_ and Tensor::normal_.
//
// Every benchmark is BM_<Scheme><Scalar>[<Variant>]/<rows>/<cols>, fills the same rows x cols
// weight once per iteration on one thread, and reports items/s (elements written) and bytes/s.
// At the end a table gives, per size, each contender's items/s and its ratio to
// std::normal_distribution and to torch's kaiming_normal_ (ratio > 1: the contender is faster).
//
//   fill_bench --benchmark_filter=4096 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include <nninit/nninit.hpp>

#ifdef NNINIT_HAVE_TORCH
#include <ATen/Parallel.h>
#include <torch/nn/init.h>
#include <torch/types.h>
#include <torch/utils.h>
#endif

namespace {

constexpr std::uint64_t kSeed = 42;

// Sizes every fill runs at; orthogonal (an O(n^3) QR) runs at 512 and 1024 only.
const std::vector<std::int64_t> kSizes = {256, 512, 1024, 4096};
const std::vector<std::int64_t> kOrthogonalSizes = {512, 1024};

// Read through a volatile so that no option reaches the compiler as a constant.
double opaque_option(double value) {
  volatile double v = value;
  return v;
}

// PyTorch's kaiming_normal_ std for a (rows, cols) weight with the defaults (fan_in, leaky_relu,
// a = 0): gain sqrt(2) over sqrt(fan_in = cols).
double kaiming_std(std::int64_t cols) { return std::sqrt(2.0 / opaque_option(static_cast<double>(cols))); }

void count(benchmark::State& state, std::size_t scalar_bytes) {
  const auto items = static_cast<std::int64_t>(state.iterations()) * state.range(0) * state.range(1);
  state.SetItemsProcessed(items);
  state.SetBytesProcessed(items * static_cast<std::int64_t>(scalar_bytes));
}

template <class M>
M make_matrix(const benchmark::State& state) {
  M m(state.range(0), state.range(1));
  m.setZero();  // touch every page before timing
  return m;
}

// ---- nninit ----------------------------------------------------------------------------------

template <class M>
void kaiming_normal_fill(benchmark::State& state) {
  M m = make_matrix<M>(state);
  const nninit::engine eng(kSeed);
  const double a = opaque_option(0.0);
  for (auto _ : state) {
    nninit::kaiming_normal(m, eng, a);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(typename M::Scalar));
}

template <class M>
void kaiming_uniform_fill(benchmark::State& state) {
  M m = make_matrix<M>(state);
  const nninit::engine eng(kSeed);
  const double a = opaque_option(0.0);
  for (auto _ : state) {
    nninit::kaiming_uniform(m, eng, a);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(typename M::Scalar));
}

void BM_KaimingNormalFloat(benchmark::State& state) { kaiming_normal_fill<Eigen::MatrixXf>(state); }
void BM_KaimingNormalDouble(benchmark::State& state) { kaiming_normal_fill<Eigen::MatrixXd>(state); }
void BM_KaimingNormalFloatRowMajor(benchmark::State& state) {
  kaiming_normal_fill<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(state);
}
void BM_KaimingUniformFloat(benchmark::State& state) { kaiming_uniform_fill<Eigen::MatrixXf>(state); }
void BM_KaimingUniformDouble(benchmark::State& state) { kaiming_uniform_fill<Eigen::MatrixXd>(state); }

void BM_NormalFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  const nninit::engine eng(kSeed);
  const double mean = opaque_option(0.0), std = opaque_option(1.0);
  for (auto _ : state) {
    nninit::normal(m, eng, mean, std);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

void BM_TruncNormalFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  const nninit::engine eng(kSeed);
  const double mean = opaque_option(0.0), std = opaque_option(0.02);
  const double a = opaque_option(-2.0), b = opaque_option(2.0);
  for (auto _ : state) {
    nninit::trunc_normal(m, eng, mean, std, a, b);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

void BM_OrthogonalFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  const nninit::engine eng(kSeed);
  const double gain = opaque_option(1.0);
  for (auto _ : state) {
    nninit::orthogonal(m, eng, gain);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

// ---- baselines -------------------------------------------------------------------------------

// The bandwidth ceiling: writing zeros costs only the stores.
void BM_SetZeroFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  for (auto _ : state) {
    m.setZero();
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

// Eigen's own random fill (uniform in [-1, 1], from std::rand()).
void BM_SetRandomFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  std::srand(static_cast<unsigned>(kSeed));
  for (auto _ : state) {
    m.setRandom();
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

// What one writes without a library: the kaiming std into the same column-major matrix, in
// storage order (the fastest order for this loop).
void BM_StdNormalDistributionFloat(benchmark::State& state) {
  auto m = make_matrix<Eigen::MatrixXf>(state);
  std::mt19937 gen(static_cast<std::mt19937::result_type>(kSeed));
  const float std = static_cast<float>(kaiming_std(state.range(1)));
  for (auto _ : state) {
    std::normal_distribution<float> dist(0.0f, std);
    float* p = m.data();
    const Eigen::Index n = m.size();
    for (Eigen::Index i = 0; i < n; ++i) p[i] = dist(gen);
    benchmark::DoNotOptimize(m.data());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

#ifdef NNINIT_HAVE_TORCH
void BM_TorchKaimingNormalFloat(benchmark::State& state) {
  torch::manual_seed(kSeed);
  torch::Tensor t = torch::empty({state.range(0), state.range(1)}, torch::kFloat);
  const double a = opaque_option(0.0);
  for (auto _ : state) {
    torch::nn::init::kaiming_normal_(t, a);
    benchmark::DoNotOptimize(t.data_ptr<float>());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}

void BM_TorchNormalFloat(benchmark::State& state) {
  torch::manual_seed(kSeed);
  torch::Tensor t = torch::empty({state.range(0), state.range(1)}, torch::kFloat);
  const double std = kaiming_std(state.range(1));
  for (auto _ : state) {
    t.normal_(0.0, std);
    benchmark::DoNotOptimize(t.data_ptr<float>());
    benchmark::ClobberMemory();
  }
  count(state, sizeof(float));
}
#endif

void square_sizes(benchmark::internal::Benchmark* b, const std::vector<std::int64_t>& sizes) {
  for (const std::int64_t n : sizes) b->Args({n, n});
  b->Unit(benchmark::kMicrosecond);
}
void fill_sizes(benchmark::internal::Benchmark* b) { square_sizes(b, kSizes); }
void orthogonal_sizes(benchmark::internal::Benchmark* b) { square_sizes(b, kOrthogonalSizes); }

// Baselines first, so that the console shows the reference lines before the contenders.
BENCHMARK(BM_SetZeroFloat)->Apply(fill_sizes);
BENCHMARK(BM_SetRandomFloat)->Apply(fill_sizes);
BENCHMARK(BM_StdNormalDistributionFloat)->Apply(fill_sizes);
#ifdef NNINIT_HAVE_TORCH
BENCHMARK(BM_TorchKaimingNormalFloat)->Apply(fill_sizes);
BENCHMARK(BM_TorchNormalFloat)->Apply(fill_sizes);
#endif
BENCHMARK(BM_KaimingNormalFloat)->Apply(fill_sizes);
BENCHMARK(BM_KaimingNormalDouble)->Apply(fill_sizes);
BENCHMARK(BM_KaimingNormalFloatRowMajor)->Apply(fill_sizes);
BENCHMARK(BM_KaimingUniformFloat)->Apply(fill_sizes);
BENCHMARK(BM_KaimingUniformDouble)->Apply(fill_sizes);
BENCHMARK(BM_NormalFloat)->Apply(fill_sizes);
BENCHMARK(BM_TruncNormalFloat)->Apply(fill_sizes);
BENCHMARK(BM_OrthogonalFloat)->Apply(orthogonal_sizes);

// ---- the ratio table -------------------------------------------------------------------------

constexpr const char* kStdBaseline = "BM_StdNormalDistributionFloat";
constexpr const char* kTorchBaseline = "BM_TorchKaimingNormalFloat";

/// The console output as usual, then, at the end, items/s per contender and size and the
/// ratios to the two baselines. With repetitions, the median (else the mean) aggregate is used,
/// else the mean of the repetitions.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) record(run);
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    print_table(GetOutputStream());
  }

 private:
  struct measured {
    std::vector<double> repetitions;         // items/s of each iteration run
    std::map<std::string, double> aggregate;  // items/s of "mean", "median", ...
    double items_per_second() const {
      for (const char* name : {"median", "mean"})
        if (const auto it = aggregate.find(name); it != aggregate.end()) return it->second;
      if (repetitions.empty()) return 0;
      double sum = 0;
      for (double v : repetitions) sum += v;
      return sum / static_cast<double>(repetitions.size());
    }
  };

  void record(const Run& run) {
    if (run.error_occurred || run.report_big_o || run.report_rms) return;
    const auto it = run.counters.find("items_per_second");
    if (it == run.counters.end()) return;
    const std::string& name = run.run_name.function_name;
    const std::string& size = run.run_name.args;
    if (std::find(sizes_.begin(), sizes_.end(), size) == sizes_.end()) sizes_.push_back(size);
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
    measured& m = results_[{name, size}];
    if (run.run_type == Run::RT_Aggregate) m.aggregate[run.aggregate_name] = it->second.value;
    else m.repetitions.push_back(it->second.value);
  }

  double lookup(const std::string& name, const std::string& size) const {
    const auto it = results_.find({name, size});
    return it == results_.end() ? 0 : it->second.items_per_second();
  }

  static std::string ratio(double value, double reference) {
    if (!(value > 0) || !(reference > 0)) return "-";
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << value / reference << "x";
    return s.str();
  }

  void print_table(std::ostream& out) const {
    if (results_.empty()) return;
    std::size_t width = 10;
    for (const std::string& n : names_) width = std::max(width, n.size());
    const bool torch = std::find(names_.begin(), names_.end(), kTorchBaseline) != names_.end();
    out << "\nitems/s per contender, single thread; ratio = contender items/s / baseline items/s "
           "(> 1: faster than the baseline)\n";
    for (const std::string& size : sizes_) {
      out << "\n" << std::left << std::setw(static_cast<int>(width)) << ("size " + size) << std::right
          << std::setw(14) << "Mitems/s" << std::setw(12) << "GB/s*" << std::setw(16) << "vs std::normal";
      if (torch) out << std::setw(16) << "vs torch kn_";
      out << "\n";
      const double std_ref = lookup(kStdBaseline, size);
      const double torch_ref = lookup(kTorchBaseline, size);
      for (const std::string& name : names_) {
        const double v = lookup(name, size);
        if (!(v > 0)) continue;
        const double bytes = name.find("Double") != std::string::npos ? 8.0 : 4.0;
        out << std::left << std::setw(static_cast<int>(width)) << name << std::right << std::fixed
            << std::setprecision(1) << std::setw(14) << v / 1e6 << std::setprecision(2) << std::setw(12)
            << v * bytes / 1e9 << std::setw(16) << ratio(v, std_ref);
        if (torch) out << std::setw(16) << ratio(v, torch_ref);
        out << "\n";
      }
    }
    out << "\n* GB/s = items/s x sizeof(scalar), the bytes written.\n";
    out.flush();
  }

  std::vector<std::string> names_;  // in the order first reported
  std::vector<std::string> sizes_;
  std::map<std::pair<std::string, std::string>, measured> results_;
};

// True unless --benchmark_format asks for something other than the console (json, csv): those
// keep Google Benchmark's own reporter, and get no ratio table.
bool console_format(int argc, char** argv) {
  const std::string flag = "--benchmark_format=";
  bool console = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.compare(0, flag.size(), flag) == 0) console = arg.substr(flag.size()) == "console";
  }
  return console;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef NNINIT_HAVE_TORCH
  at::set_num_threads(1);  // nninit and the other baselines fill on one thread; so does torch
#endif
  const bool console = console_format(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (console) {
    ratio_reporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                  : benchmark::ConsoleReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
