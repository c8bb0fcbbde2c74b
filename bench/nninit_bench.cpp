// nninit_bench: how fast nninit fills weights, next to the bandwidth ceiling (memset), the
// hand-written fill (std::mt19937 + std::normal_distribution) and, when built with libtorch
// (NNINIT_HAVE_TORCH), the same fills by torch::nn::init. The binary ends with a table of the
// performance targets, each measured as a ratio (nninit / baseline) or a figure in this run.
//
// Benchmark names are stable, so that figures can be compared across versions:
//   BM_memset/N                          std::memset of an N x N float buffer (bandwidth ceiling)
//   BM_std_normal/N                      std::mt19937 + std::normal_distribution<float>, N x N
//   BM_philox_words/N                    the engine alone: Philox4x32-10's words for N x N values,
//                                        stored untransformed (the ceiling of every random fill)
//   BM_nninit_kaiming_uniform/N          nninit::kaiming_uniform (a = 0), N x N float
//   BM_nninit_kaiming_normal/N           nninit::kaiming_normal (a = 0), N x N float
//   BM_nninit_kaiming_normal_threads/N   the same, parallel::all_threads()
//   BM_nninit_trunc_normal/N             nninit::trunc_normal, mean 0, std 1, [-2, 2] (±2σ)
//   BM_nninit_orthogonal/N               nninit::orthogonal (gain 1), N x N float
//   BM_nninit_kaiming_normal_half/N      kaiming_normal into Eigen::half    (NNINIT_BENCH_HALF)
//   BM_nninit_kaiming_normal_bf16/N      kaiming_normal into Eigen::bfloat16 (NNINIT_BENCH_HALF)
//   BM_nninit_llama7b_shapes             every tensor of a Llama-7B-sized model, one thread
//   BM_nninit_llama7b_shapes_threads     the same, parallel::all_threads()
//   BM_torch_kaiming_uniform/N, BM_torch_kaiming_normal/N, BM_torch_orthogonal/N,
//   BM_torch_llama7b_shapes              libtorch's, one intra-op thread (NNINIT_HAVE_TORCH)
// N is 4096, and 256 for the smoke test; orthogonal runs at 256, 1024 and 4096, torch's
// orthogonal_ at 256 and 1024. nninit's targets are row-major, PyTorch's (out, in) layout, so fan_in =
// cols and every fill writes memory in the order torch does.
//
// Every fill reports items/s (elements = parameters written) and bytes/s under Google
// Benchmark's own counter names (items_per_second, bytes_per_second), computed from the
// wall-clock time of the benchmark loop: a threaded fill would otherwise be divided by the main
// thread's CPU time only. They are set by hand rather than by UseRealTime(), which would append
// "/real_time" to the names. The console's "Time" column is wall-clock too. cpu_util (process CPU
// time over wall-clock time) tells whether the machine was busy: the table warns when a
// one-thread benchmark got less than 90 % of a core.
//
//   nninit_bench                                    everything, then the target table (~minutes)
//   nninit_bench --benchmark_filter='/256$'         the small cases only (the smoke test)
//   nninit_bench --benchmark_out=r.json --benchmark_out_format=json   also keep every figure
// With --benchmark_repetitions, the table uses the median aggregate (else the mean).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <time.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <nninit/nninit.hpp>
#include <nninit/version.hpp>

#ifdef NNINIT_HAVE_TORCH
#include <ATen/Parallel.h>
#include <torch/nn/init.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <torch/version.h>
#endif

namespace {

constexpr std::uint64_t kSeed = 42;

using RowMajorXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Read through a volatile so that no option reaches the compiler as a constant.
double opaque_option(double value) {
  volatile double v = value;
  return v;
}

int all_threads() { return nninit::parallel::all_threads().threads; }

// ---- timing ----------------------------------------------------------------------------------

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Runs `fill` once per benchmark iteration and sets items_per_second and bytes_per_second from
/// the wall-clock time of the loop: `items` elements of `scalar_bytes` bytes per iteration.
/// Also sets cpu_util, the process's CPU time (all threads) over the wall-clock time: about 1
/// for a one-thread fill on an idle machine, about the thread count for a threaded one; less
/// means the machine was busy with other work and the figures are slowed by it.
template <class Fill>
void run_fill(benchmark::State& state, std::int64_t items, std::size_t scalar_bytes, Fill&& fill) {
  const double cpu_start = process_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    fill();
    benchmark::ClobberMemory();
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_start;
  const double total = static_cast<double>(items) * static_cast<double>(state.iterations());
  if (wall > 0) {
    state.counters["items_per_second"] = benchmark::Counter(total / wall);
    state.counters["bytes_per_second"] =
        benchmark::Counter(total * static_cast<double>(scalar_bytes) / wall, benchmark::Counter::kDefaults,
                           benchmark::Counter::kIs1024);
    state.counters["cpu_util"] = benchmark::Counter(cpu / wall);
  }
}

template <class M>
M make_square(const benchmark::State& state) {
  M m(state.range(0), state.range(0));
  m.setZero();  // touch every page before timing
  return m;
}

template <class M>
std::int64_t items_of(const M& m) {
  return static_cast<std::int64_t>(m.size());
}

// ---- baselines -------------------------------------------------------------------------------

// The bandwidth ceiling: the stores of a float buffer of the same size, nothing else.
void BM_memset(benchmark::State& state) {
  const std::int64_t n = state.range(0) * state.range(0);
  std::vector<float> buf(static_cast<std::size_t>(n), 1.0f);
  const int value = static_cast<int>(opaque_option(0.0));
  run_fill(state, n, sizeof(float), [&] {
    std::memset(buf.data(), value, buf.size() * sizeof(float));
    benchmark::DoNotOptimize(buf.data());
  });
}

// What one writes without a library: N(0, kaiming std) in storage order.
void BM_std_normal(benchmark::State& state) {
  auto m = make_square<RowMajorXf>(state);
  std::mt19937 gen(static_cast<std::mt19937::result_type>(kSeed));
  const float std = static_cast<float>(std::sqrt(2.0 / opaque_option(static_cast<double>(m.cols()))));
  run_fill(state, items_of(m), sizeof(float), [&] {
    std::normal_distribution<float> dist(0.0f, std);
    float* p = m.data();
    const Eigen::Index n = m.size();
    for (Eigen::Index i = 0; i < n; ++i) p[i] = dist(gen);
    benchmark::DoNotOptimize(m.data());
  });
}

// The engine's ceiling: the words behind N x N float values (one 32-bit word each), stored as
// they come, through the AVX2 path the fills use (or block by block without it). No fill can be
// faster than this: it is what the reproducibility contract's generator costs.
#ifdef NNINIT_DETAIL_AVX2
NNINIT_DETAIL_AVX2_FN void philox_words_avx2(const nninit::engine& eng, std::uint32_t* out, std::uint64_t groups) {
  namespace avx2 = nninit::detail::avx2;
  struct store {
    std::uint32_t* out;
    NNINIT_DETAIL_AVX2_INLINE void operator()(const avx2::lanes& x, std::uint64_t g) const {
      const avx2::block_words w = avx2::in_order(x);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * g), w.first);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * g + 8), w.second);
    }
  };
  avx2::for_groups<3>(avx2::philox_setup(eng, nninit::detail::domain::values), 0, groups, store{out});
}
#endif

void philox_words(const nninit::engine& eng, std::uint32_t* out, std::int64_t n) {
  std::int64_t block = 0;
#ifdef NNINIT_DETAIL_AVX2
  if (nninit::detail::avx2::available()) {
    philox_words_avx2(eng, out, static_cast<std::uint64_t>(n / 16));
    block = n / 16 * 4;
  }
#endif
  for (; 4 * block < n; ++block) {
    const auto w = eng.block(nninit::detail::domain::values, static_cast<std::uint64_t>(block));
    std::memcpy(out + 4 * block, w.data(), sizeof(std::uint32_t) * static_cast<std::size_t>(std::min<std::int64_t>(4, n - 4 * block)));
  }
}

void BM_philox_words(benchmark::State& state) {
  const std::int64_t n = state.range(0) * state.range(0);
  std::vector<std::uint32_t> words(static_cast<std::size_t>(n));
  const nninit::engine eng(kSeed);
  run_fill(state, n, sizeof(std::uint32_t), [&] {
    philox_words(eng, words.data(), n);
    benchmark::DoNotOptimize(words.data());
  });
}

// ---- nninit: element-wise fills ----------------------------------------------------------------

void BM_nninit_kaiming_uniform(benchmark::State& state) {
  auto m = make_square<RowMajorXf>(state);
  const nninit::engine eng(kSeed);
  const double a = opaque_option(0.0);
  run_fill(state, items_of(m), sizeof(float), [&] {
    nninit::kaiming_uniform(m, eng, a);
    benchmark::DoNotOptimize(m.data());
  });
}

template <class Scalar>
void kaiming_normal_fill(benchmark::State& state, const nninit::parallel& par) {
  auto m = make_square<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(state);
  const nninit::engine eng(kSeed);
  nninit::scheme::kaiming_normal scheme;
  scheme.a = opaque_option(0.0);
  run_fill(state, items_of(m), sizeof(Scalar), [&] {
    scheme(m, eng, par);
    benchmark::DoNotOptimize(m.data());
  });
}

void BM_nninit_kaiming_normal(benchmark::State& state) { kaiming_normal_fill<float>(state, nninit::parallel{1, {}}); }

void BM_nninit_kaiming_normal_threads(benchmark::State& state) {
  const nninit::parallel par = nninit::parallel::all_threads();
  state.SetLabel(std::to_string(par.threads) + " threads");
  kaiming_normal_fill<float>(state, par);
}

#if defined(NNINIT_BENCH_HALF)
void BM_nninit_kaiming_normal_half(benchmark::State& state) {
  kaiming_normal_fill<Eigen::half>(state, nninit::parallel{1, {}});
}
void BM_nninit_kaiming_normal_bf16(benchmark::State& state) {
  kaiming_normal_fill<Eigen::bfloat16>(state, nninit::parallel{1, {}});
}
#endif

// PyTorch's trunc_normal_ defaults: mean 0, std 1, bounds [-2, 2], i.e. truncated at ±2σ (the
// case that truncates, unlike std = 0.02 with the same absolute bounds).
void BM_nninit_trunc_normal(benchmark::State& state) {
  auto m = make_square<RowMajorXf>(state);
  const nninit::engine eng(kSeed);
  const double mean = opaque_option(0.0), std = opaque_option(1.0);
  const double a = opaque_option(-2.0), b = opaque_option(2.0);
  run_fill(state, items_of(m), sizeof(float), [&] {
    nninit::trunc_normal(m, eng, mean, std, a, b);
    benchmark::DoNotOptimize(m.data());
  });
}

void BM_nninit_orthogonal(benchmark::State& state) {
  auto m = make_square<RowMajorXf>(state);
  const nninit::engine eng(kSeed);
  const double gain = opaque_option(1.0);
  run_fill(state, items_of(m), sizeof(float), [&] {
    nninit::orthogonal(m, eng, gain);
    benchmark::DoNotOptimize(m.data());
  });
}

// ---- Llama-7B shapes ---------------------------------------------------------------------------

/// One parameter tensor of the model, PyTorch's (out, in) for a Linear.
struct tensor_spec {
  enum kind_t { linear, embedding, norm } kind;
  std::int64_t rows, cols;
  std::int64_t size() const { return rows * cols; }
};

/// Every tensor of a Llama-7B-sized model (d 4096, ffn 11008, 32 layers, vocab 32000, no biases),
/// in the order of the model's state dict: 6,738,415,616 parameters.
///   tok_embeddings (32000, 4096)            N(0, 0.02)
///   per layer: wq, wk, wv, wo (4096, 4096); w1 = gate, w3 = up (11008, 4096); w2 = down (4096, 11008):
///                                           nn.Linear's default (kaiming_uniform, a = sqrt(5))
///              attention_norm, ffn_norm (4096): RMSNorm weights, set to 1 (counted, 0.0004 %)
///   norm (4096) = 1;   output (32000, 4096) nn.Linear's default
const std::vector<tensor_spec>& llama7b_tensors() {
  static const std::vector<tensor_spec> tensors = [] {
    constexpr std::int64_t d = 4096, ffn = 11008, layers = 32, vocab = 32000;
    std::vector<tensor_spec> t{{tensor_spec::embedding, vocab, d}};
    for (std::int64_t l = 0; l < layers; ++l) {
      for (int i = 0; i < 4; ++i) t.push_back({tensor_spec::linear, d, d});
      t.push_back({tensor_spec::linear, ffn, d});
      t.push_back({tensor_spec::linear, d, ffn});
      t.push_back({tensor_spec::linear, ffn, d});
      t.push_back({tensor_spec::norm, 1, d});
      t.push_back({tensor_spec::norm, 1, d});
    }
    t.push_back({tensor_spec::norm, 1, d});
    t.push_back({tensor_spec::linear, vocab, d});
    return t;
  }();
  return tensors;
}

std::int64_t llama7b_parameters() {
  std::int64_t n = 0;
  for (const tensor_spec& t : llama7b_tensors()) n += t.size();
  return n;
}

std::int64_t llama7b_largest() {
  std::int64_t n = 0;
  for (const tensor_spec& t : llama7b_tensors()) n = std::max(n, t.size());
  return n;
}

/// The whole model per iteration, one tensor at a time into one reused buffer (sized to the
/// largest tensor); every tensor gets its own engine stream, as a real initialization would.
void llama7b_fill(benchmark::State& state, const nninit::parallel& par) {
  std::vector<float> buf(static_cast<std::size_t>(llama7b_largest()), 0.0f);  // pages touched
  const nninit::engine base(kSeed);
  const nninit::scheme::torch_default linear{};
  const nninit::scheme::normal embedding{{}, opaque_option(0.0), opaque_option(0.02)};
  const float one = static_cast<float>(opaque_option(1.0));
  run_fill(state, llama7b_parameters(), sizeof(float), [&] {
    std::uint64_t stream = 0;
    for (const tensor_spec& t : llama7b_tensors()) {
      Eigen::Map<RowMajorXf> w(buf.data(), t.rows, t.cols);
      const nninit::engine eng = base.fork(stream++);
      switch (t.kind) {
        case tensor_spec::linear: linear(w, eng, par); break;
        case tensor_spec::embedding: embedding(w, eng, par); break;
        case tensor_spec::norm: std::fill_n(buf.data(), t.size(), one); break;
      }
      benchmark::DoNotOptimize(buf.data());
      benchmark::ClobberMemory();
    }
  });
}

void BM_nninit_llama7b_shapes(benchmark::State& state) { llama7b_fill(state, nninit::parallel{1, {}}); }

void BM_nninit_llama7b_shapes_threads(benchmark::State& state) {
  const nninit::parallel par = nninit::parallel::all_threads();
  state.SetLabel(std::to_string(par.threads) + " threads");
  llama7b_fill(state, par);
}

// ---- libtorch --------------------------------------------------------------------------------

#ifdef NNINIT_HAVE_TORCH
torch::Tensor make_square_tensor(const benchmark::State& state) {
  torch::manual_seed(kSeed);
  return torch::zeros({state.range(0), state.range(0)}, torch::kFloat);
}

void BM_torch_kaiming_uniform(benchmark::State& state) {
  torch::Tensor t = make_square_tensor(state);
  const double a = opaque_option(0.0);
  run_fill(state, t.numel(), sizeof(float), [&] {
    torch::nn::init::kaiming_uniform_(t, a);
    benchmark::DoNotOptimize(t.data_ptr<float>());
  });
}

void BM_torch_kaiming_normal(benchmark::State& state) {
  torch::Tensor t = make_square_tensor(state);
  const double a = opaque_option(0.0);
  run_fill(state, t.numel(), sizeof(float), [&] {
    torch::nn::init::kaiming_normal_(t, a);
    benchmark::DoNotOptimize(t.data_ptr<float>());
  });
}

void BM_torch_orthogonal(benchmark::State& state) {
  torch::Tensor t = make_square_tensor(state);
  const double gain = opaque_option(1.0);
  run_fill(state, t.numel(), sizeof(float), [&] {
    torch::nn::init::orthogonal_(t, gain);
    benchmark::DoNotOptimize(t.data_ptr<float>());
  });
}

/// What `nn.Linear(in, out)` does to its weight by default (kaiming_uniform_, a = sqrt(5)), and
/// normal_(0, 0.02) for the embedding, fill_(1) for the norms, into one reused buffer.
void BM_torch_llama7b_shapes(benchmark::State& state) {
  torch::manual_seed(kSeed);
  torch::Tensor buf = torch::zeros({llama7b_largest()}, torch::kFloat);
  const double a = std::sqrt(opaque_option(5.0)), std = opaque_option(0.02);
  run_fill(state, llama7b_parameters(), sizeof(float), [&] {
    for (const tensor_spec& s : llama7b_tensors()) {
      torch::Tensor t = buf.narrow(0, 0, s.size()).view({s.rows, s.cols});
      switch (s.kind) {
        case tensor_spec::linear: torch::nn::init::kaiming_uniform_(t, a); break;
        case tensor_spec::embedding: torch::nn::init::normal_(t, 0.0, std); break;
        case tensor_spec::norm: t.fill_(1.0); break;
      }
      benchmark::DoNotOptimize(buf.data_ptr<float>());
      benchmark::ClobberMemory();
    }
  });
}
#endif

// ---- registration --------------------------------------------------------------------------

constexpr std::int64_t kSmall = 256;  // the smoke test's size
constexpr std::int64_t kLarge = 4096;

void element_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(kSmall)->Arg(kLarge)->Unit(benchmark::kMillisecond);
}

// Baselines first, so that the console shows the reference lines before the contenders.
BENCHMARK(BM_memset)->Apply(element_sizes);
BENCHMARK(BM_std_normal)->Apply(element_sizes);
BENCHMARK(BM_philox_words)->Apply(element_sizes);
#ifdef NNINIT_HAVE_TORCH
BENCHMARK(BM_torch_kaiming_uniform)->Apply(element_sizes);
BENCHMARK(BM_torch_kaiming_normal)->Apply(element_sizes);
BENCHMARK(BM_torch_orthogonal)->Arg(kSmall)->Arg(1024)->Unit(benchmark::kMillisecond);
#endif
BENCHMARK(BM_nninit_kaiming_uniform)->Apply(element_sizes);
BENCHMARK(BM_nninit_kaiming_normal)->Apply(element_sizes);
BENCHMARK(BM_nninit_kaiming_normal_threads)->Apply(element_sizes);
#if defined(NNINIT_BENCH_HALF)
BENCHMARK(BM_nninit_kaiming_normal_half)->Apply(element_sizes);
BENCHMARK(BM_nninit_kaiming_normal_bf16)->Apply(element_sizes);
#endif
BENCHMARK(BM_nninit_trunc_normal)->Apply(element_sizes);
BENCHMARK(BM_nninit_orthogonal)->Arg(kSmall)->Arg(1024)->Arg(kLarge)->Unit(benchmark::kMillisecond);
// One iteration is the whole model (seconds): more than the default minimum time, so Google
// Benchmark runs exactly one (no Iterations(1), which would rename the benchmark).
#ifdef NNINIT_HAVE_TORCH
BENCHMARK(BM_torch_llama7b_shapes)->Unit(benchmark::kSecond);
#endif
BENCHMARK(BM_nninit_llama7b_shapes)->Unit(benchmark::kSecond);
BENCHMARK(BM_nninit_llama7b_shapes_threads)->Unit(benchmark::kSecond);

// ---- the machine and the command -----------------------------------------------------------

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// "AMD EPYC, 2 logical CPUs (1 core x 2 threads? ...)" from /proc/cpuinfo.
std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU", physical = "0";
  int logical = 0;
  std::set<std::pair<std::string, std::string>> cores;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "processor") ++logical;
    else if (key == "model name" && logical == 1) model = value;
    else if (key == "physical id") physical = value;
    else if (key == "core id") cores.insert({physical, value});
  }
  std::ostringstream s;
  s << model << ", " << logical << " logical CPUs";
  if (!cores.empty()) s << " (" << cores.size() << " physical cores)";
  s << "; " << all_threads() << " threads used by the _threads cases";
  return s.str();
}

std::string isa_description() {
  std::string isa;
#if defined(__AVX512F__)
  isa += " AVX-512F";
#endif
#if defined(__AVX2__)
  isa += " AVX2";
#endif
#if defined(__FMA__)
  isa += " FMA";
#endif
#if defined(__F16C__)
  isa += " F16C";
#endif
  return isa.empty() ? " baseline x86-64" : isa;
}

/// The BLAS and LAPACK libraries this process loaded (libtorch's orthogonal_ runs on them).
std::string loaded_blas() {
  std::ifstream in("/proc/self/maps");
  std::string line;
  std::set<std::string> libs;
  while (std::getline(in, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.rfind('/') + 1);
    if (file.find("blas") != std::string::npos || file.find("lapack") != std::string::npos ||
        file.find("mkl") != std::string::npos)
      libs.insert(path);
  }
  std::string out;
  for (const std::string& l : libs) out += (out.empty() ? "" : ", ") + l;
  return out.empty() ? "none loaded" : out;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                            "-_./=:,+@%") == std::string::npos)
    return arg;
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The 1-, 5- and 15-minute load averages: other work on the machine slows wall-clock figures.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return "unknown";
  return one + " " + five + " " + fifteen;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

// ---- the target table ------------------------------------------------------------------------

/// What one benchmark measured: wall-clock items/s and bytes/s, and seconds per iteration.
struct figures {
  double items_per_second = 0, bytes_per_second = 0, seconds = 0, cpu_util = 0;
};

/// One performance target and how it is measured.
struct target {
  enum measure_t {
    items_ratio,  ///< items/s of `subject` / items/s of `baseline`
    bytes_ratio,  ///< bytes/s of `subject` / bytes/s of `baseline`
    giga_items,   ///< G items/s of `subject`
    seconds,      ///< wall-clock seconds per iteration of `subject`
  } measure;
  std::string what;      ///< the target, in words
  std::string subject;   ///< benchmark name
  std::string baseline;  ///< benchmark name (ratios only)
  bool at_least;         ///< figure >= bound (else <=)
  double bound;
  std::string note;
};

const std::vector<target>& targets() {
  static const std::vector<target> t = {
      {target::items_ratio, "kaiming_uniform vs libtorch, 1 thread", "BM_nninit_kaiming_uniform/4096",
       "BM_torch_kaiming_uniform/4096", true, 6, ""},
      {target::bytes_ratio, "kaiming_uniform vs memset bandwidth, 1 thread", "BM_nninit_kaiming_uniform/4096",
       "BM_memset/4096", true, 0.25, ""},
      {target::items_ratio, "kaiming_normal vs libtorch, 1 thread", "BM_nninit_kaiming_normal/4096",
       "BM_torch_kaiming_normal/4096", true, 4, ""},
      {target::items_ratio, "kaiming_normal, all threads vs 1 thread", "BM_nninit_kaiming_normal_threads/4096",
       "BM_nninit_kaiming_normal/4096", true, 1.7, "target set for 2 threads"},
      {target::items_ratio, "trunc_normal (±2σ) vs our normal fill", "BM_nninit_trunc_normal/4096",
       "BM_nninit_kaiming_normal/4096", true, 0.7, "normal fill = kaiming_normal"},
      {target::items_ratio, "orthogonal 1024² vs libtorch", "BM_nninit_orthogonal/1024", "BM_torch_orthogonal/1024",
       true, 15, "torch: its BLAS/LAPACK, 1 thread"},
      {target::seconds, "orthogonal 4096², 1 thread", "BM_nninit_orthogonal/4096", "", false, 2, "seconds"},
      {target::giga_items, "Llama-7B shapes, all threads", "BM_nninit_llama7b_shapes_threads", "", true, 1.5,
       "G params/s; target set for 2 threads"},
      {target::seconds, "Llama-7B shapes, all threads, whole model", "BM_nninit_llama7b_shapes_threads", "", false, 5,
       "seconds"},
      {target::items_ratio, "Llama-7B shapes, all threads vs libtorch", "BM_nninit_llama7b_shapes_threads",
       "BM_torch_llama7b_shapes", true, 6, "torch's CPU RNG fills on one thread whatever its thread count"},
      {target::items_ratio, "kaiming_normal half vs float32 elements/s", "BM_nninit_kaiming_normal_half/4096",
       "BM_nninit_kaiming_normal/4096", true, 0.8, "Eigen::half"},
      {target::items_ratio, "kaiming_normal bf16 vs float32 elements/s", "BM_nninit_kaiming_normal_bf16/4096",
       "BM_nninit_kaiming_normal/4096", true, 0.8, "Eigen::bfloat16"},
  };
  return t;
}

/// Forwards everything to the console reporter and keeps each benchmark's figures; Finalize
/// then prints the measured figures and the target table, Markdown tables that read in a
/// terminal and paste into a README.
class target_reporter : public benchmark::ConsoleReporter {
 public:
  target_reporter(OutputOptions options, std::string command)
      : ConsoleReporter(options), command_(std::move(command)), load_before_(load_average()), started_(utc_now()) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) record(run);
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    print(GetOutputStream());
  }

 private:
  struct measured {
    std::vector<figures> repetitions;
    std::map<std::string, figures> aggregate;  // "mean", "median", ...
    figures get() const {
      for (const char* name : {"median", "mean"})
        if (const auto it = aggregate.find(name); it != aggregate.end()) return it->second;
      figures f;
      if (repetitions.empty()) return f;
      for (const figures& r : repetitions) {
        f.items_per_second += r.items_per_second;
        f.bytes_per_second += r.bytes_per_second;
        f.seconds += r.seconds;
        f.cpu_util += r.cpu_util;
      }
      const double n = static_cast<double>(repetitions.size());
      f.items_per_second /= n;
      f.bytes_per_second /= n;
      f.seconds /= n;
      f.cpu_util /= n;
      return f;
    }
  };

  static double counter(const Run& run, const char* name) {
    const auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : it->second.value;
  }

  void record(const Run& run) {
    if (run.error_occurred || run.report_big_o || run.report_rms) return;
    if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "mean" && run.aggregate_name != "median") return;
    figures f;
    f.items_per_second = counter(run, "items_per_second");
    f.bytes_per_second = counter(run, "bytes_per_second");
    f.cpu_util = counter(run, "cpu_util");
    f.seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    if (!(f.items_per_second > 0)) return;
    const std::string name = run.run_name.function_name + (run.run_name.args.empty() ? "" : "/" + run.run_name.args);
    if (results_.find(name) == results_.end()) order_.push_back(name);
    measured& m = results_[name];
    if (run.run_type == Run::RT_Aggregate) m.aggregate[run.aggregate_name] = f;
    else m.repetitions.push_back(f);
  }

  std::optional<figures> lookup(const std::string& name) const {
    const auto it = results_.find(name);
    if (it == results_.end()) return std::nullopt;
    return it->second.get();
  }

  static std::string fixed(double v, int precision) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(precision) << v;
    return s.str();
  }

  /// Markdown table with padded columns: readable as it stands, and valid Markdown.
  static void table(std::ostream& out, const std::vector<std::string>& header, const std::vector<bool>& right,
                    const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w(header.size(), 3);
    auto width = [](const std::string& s) {  // display width of UTF-8 text
      std::size_t n = 0;
      for (unsigned char c : s) n += (c & 0xC0) != 0x80;
      return n;
    };
    for (std::size_t c = 0; c < header.size(); ++c) w[c] = std::max(w[c], width(header[c]));
    for (const auto& r : rows)
      for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], width(r[c]));
    auto line = [&](const std::vector<std::string>& cells) {
      out << "|";
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const std::string pad(w[c] - width(cells[c]), ' ');
        out << " " << (right[c] ? pad + cells[c] : cells[c] + pad) << " |";
      }
      out << "\n";
    };
    line(header);
    out << "|";
    for (std::size_t c = 0; c < header.size(); ++c)
      out << (right[c] ? std::string(w[c] + 1, '-') + ":|" : ":" + std::string(w[c] + 1, '-') + "|");
    out << "\n";
    for (const auto& r : rows) line(r);
  }

  static bool is_torch(const std::string& name) { return name.rfind("BM_torch_", 0) == 0; }
  static bool is_half(const std::string& name) { return name.find("_half/") != std::string::npos || name.find("_bf16/") != std::string::npos; }

  /// Why a benchmark has no figure.
  static std::string absent(const std::string& name) {
#ifndef NNINIT_HAVE_TORCH
    if (is_torch(name)) return "n/a (no libtorch)";
#endif
#ifndef NNINIT_BENCH_HALF
    if (is_half(name)) return "n/a (no half targets)";
#endif
    (void)name;
    return "n/a (not run)";
  }

  void print(std::ostream& out) const {
    if (results_.empty()) return;
    out << "\n## nninit_bench\n\n"
        << "- machine: " << machine_description() << "\n"
        << "- command: `" << command_ << "`\n"
        << "- build: nninit " << NNINIT_VERSION_MAJOR << "." << NNINIT_VERSION_MINOR << "." << NNINIT_VERSION_PATCH
        << ", " <<
#if defined(__clang__)
        "clang "
#elif defined(__GNUC__)
        "GCC "
#endif
        << __VERSION__ << ", -O3 -march=native (" << trim(isa_description()) << "), Eigen " << EIGEN_WORLD_VERSION << "."
        << EIGEN_MAJOR_VERSION << "." << EIGEN_MINOR_VERSION << "\n"
#ifdef NNINIT_HAVE_TORCH
        << "- libtorch " << TORCH_VERSION << ", " << at::get_num_threads()
        << " intra-op thread; BLAS/LAPACK: " << loaded_blas() << "\n"
#else
        << "- libtorch: not built in (torch baselines n/a)\n"
#endif
        << "- run: " << started_ << "; load average " << load_before_ << " before, " << load_average()
        << " after (a busy machine slows every figure)\n"
        << "- rates from wall-clock time; float32 unless named; median of repetitions if any\n\n";

    std::vector<std::vector<std::string>> rows;
    double least_share = 1;  // the smallest share of a core a one-thread benchmark got
    std::string least_name;
    for (const std::string& name : order_) {
      const std::optional<figures> f = lookup(name);
      const int threads = name.find("_threads") != std::string::npos ? all_threads() : 1;
      if (threads == 1 && f->cpu_util > 0 && f->cpu_util < least_share) {
        least_share = f->cpu_util;
        least_name = name;
      }
      rows.push_back({name, f->seconds < 1e-1 ? fixed(f->seconds * 1e3, 3) + " ms" : fixed(f->seconds, 3) + " s",
                      fixed(f->items_per_second / 1e6, 1), fixed(f->bytes_per_second / 1e9, 2),
                      fixed(f->cpu_util, 2) + " / " + std::to_string(threads)});
    }
    table(out, {"benchmark", "time/iter", "M items/s", "GB/s", "CPU / threads"}, {false, true, true, true, true},
          rows);
    out << "\nCPU = the process's CPU seconds per wall-clock second while the benchmark ran; on an idle "
           "machine it is close to the thread count.\n";
    if (least_share < 0.9)
      out << "\n**Busy machine**: one-thread benchmarks got as little as " << fixed(100 * least_share, 0)
          << " % of a core (" << least_name << "); other work slowed the wall-clock figures (and the "
             "targets measured with them). Rerun on an idle machine before quoting them.\n";
    out << "\nTargets (ratio = nninit / baseline, both measured in this run):\n\n";
    rows.clear();
    int pass = 0, miss = 0, na = 0;
    for (const target& t : targets()) {
      const std::optional<figures> s = lookup(t.subject);
      const std::optional<figures> b = t.baseline.empty() ? std::nullopt : lookup(t.baseline);
      std::string measured, status;
      double value = 0;
      bool have = s && (t.baseline.empty() || b);
      if (have) {
        switch (t.measure) {
          case target::items_ratio: value = s->items_per_second / b->items_per_second; break;
          case target::bytes_ratio: value = s->bytes_per_second / b->bytes_per_second; break;
          case target::giga_items: value = s->items_per_second / 1e9; break;
          case target::seconds: value = s->seconds; break;
        }
        have = std::isfinite(value) && value > 0;
      }
      if (have) {
        const bool ok = t.at_least ? value >= t.bound : value <= t.bound;
        status = ok ? "PASS" : "MISS";
        ++(ok ? pass : miss);
        switch (t.measure) {
          case target::items_ratio:
          case target::bytes_ratio: measured = fixed(value, 2) + "x"; break;
          case target::giga_items: measured = fixed(value, 2) + " G/s"; break;
          case target::seconds: measured = fixed(value, 2) + " s"; break;
        }
      } else {
        status = !s ? absent(t.subject) : absent(t.baseline);
        measured = "-";
        ++na;
      }
      std::string bound = (t.at_least ? ">= " : "<= ") + fixed(t.bound, t.bound == std::floor(t.bound) ? 0 : 2);
      switch (t.measure) {
        case target::items_ratio:
        case target::bytes_ratio: bound += "x"; break;
        case target::giga_items: bound += " G/s"; break;
        case target::seconds: bound += " s"; break;
      }
      const std::string how = t.baseline.empty() ? "`" + t.subject + "`" : "`" + t.subject + "` / `" + t.baseline + "`";
      rows.push_back({t.what, measured, bound, status, how, t.note});
    }
    table(out, {"target", "measured", "target", "status", "benchmarks", "note"},
          {false, true, true, false, false, false}, rows);
    out << "\n" << pass << " PASS, " << miss << " MISS, " << na << " n/a\n";
    out.flush();
  }

  std::string command_;
  std::string load_before_;
  std::string started_;
  std::vector<std::string> order_;  // in the order first reported
  std::map<std::string, measured> results_;
};

// True unless --benchmark_format asks for something other than the console (json, csv): those
// keep Google Benchmark's own reporter on stdout, and get no table (--benchmark_out=FILE
// --benchmark_out_format=json keeps the console, and the table, on stdout).
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
  at::set_num_threads(1);  // torch's baselines run on one thread (its CPU RNG fills serially anyway)
#endif
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + shell_quote(argv[i]);
  const bool console = console_format(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (console) {
    target_reporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                   : benchmark::ConsoleReporter::OO_Tabular,
                             command);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
