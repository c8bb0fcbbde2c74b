// An implicit neural representation (INR) of a 1-D signal: a SIREN-style MLP
// x -> sin(30 (W1 x + b1)) -> ... -> sin(30 (Wd h + bd)) -> linear output, fitted full-batch
// with Adam on the MSE, once per initializer: siren, vi3nr (sine:30), winner (noise scales from
// the target's spectrum), and the baselines xavier_uniform and torch_default. Prints the PSNR on
// the training samples during training and, at the end, on the midpoints between samples, which
// the network never sees: a representation can fit the samples and still be noise in between.
//
//   example_inr_fit [--steps N] [--width N] [--depth N] [--samples N] [--lr X] [--seed N]
//                   [--sigma-p X] [--torch-bias]
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/optimizer.hpp>
#include <nninit/nninit.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

namespace h = nninit::harness;
using T = float;  // as INRs train; float's rounding (~1e-7) is far below the errors measured here
using mat = h::matrix<T>;

struct options {
  long steps = 1000, width = 64, depth = 3, samples = 512;
  unsigned long long seed = 0;
  double lr = 1e-4;  // SIREN's learning rate
  double sigma_p = 1;  // vi3nr's pre-activation std, its default
  bool torch_bias = false;
};

const double pi = 3.14159265358979323846;

/// The target before normalization: two low tones, a 40-cycle tone, a chirp and a steep edge.
double raw_signal(double x) {
  return 0.35 * std::sin(2 * pi * 2 * x) + 0.25 * std::sin(2 * pi * 7 * x + 1) + 0.15 * std::sin(2 * pi * 40 * x) +
         0.2 * std::sin(2 * pi * (5 * x + 15 * x * x)) + 0.25 * std::tanh((x - 0.3) / 0.01);
}

/// PSNR with peak = max |target| (1 here, the target is normalized to it), not the range 2.
double psnr(const mat& y, const mat& target) {
  const double mse = (y - target).template cast<double>().squaredNorm() / static_cast<double>(target.size());
  const double peak = target.cwiseAbs().maxCoeff();
  return 10 * std::log10(peak * peak / mse);
}

struct result {
  std::vector<double> psnr;  // at each checkpoint
  double best = -1e300;      // over every step: Adam's full-batch loss is not monotone
  double midpoints = 0, seconds = 0;
};

result fit(const nninit::initializer& init, const options& o, const mat& x, const mat& target, const mat& x_mid,
           const mat& target_mid, const std::vector<long>& checkpoints) {
  h::mlp_config c;
  c.inputs = 1;
  c.width = o.width;
  c.depth = o.depth;  // sine layers; outputs = 1 adds the linear output layer (role classifier)
  c.outputs = 1;
  c.act = nninit::activation::parse("sine:30");
  c.bias = true;  // trainable; the harness sets them to 0 (torch_default: PyTorch's U(+-1/sqrt(fan_in)))
  h::mlp<T> net(c);
  const nninit::engine eng(o.seed, 0);
  h::initialize(net, init, eng);
  auto params = net.parameters();
  if (o.torch_bias)  // SIREN's official code keeps PyTorch's default biases
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].kind == h::parameter_kind::bias)
        nninit::torch_default_bias(*params[i].value, eng.fork(1000 + i), params[i].shape);  // streams initialize leaves unused

  result r;
  h::optimizer_options adam;  // Adam (Kingma & Ba) with PyTorch's defaults: AdamW without weight decay
  adam.algorithm = h::optimizer_kind::adamw;
  h::optimizer<T> opt(params, adam);
  const auto start = std::chrono::steady_clock::now();
  const T scale = static_cast<T>(2.0 / static_cast<double>(x.cols()));  // d MSE / d y = 2 (y - t) / N
  std::size_t next = 0;
  for (long s = 0;; ++s) {
    const mat& y = net.forward(x);
    const double p = psnr(y, target);
    r.best = std::max(r.best, p);
    if (next < checkpoints.size() && checkpoints[next] == s) r.psnr.push_back(p), ++next;
    if (s == o.steps) break;
    net.backward(scale * (y - target));
    opt.step(o.lr);
  }
  r.midpoints = psnr(net.forward(x_mid), target_mid);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

[[noreturn]] void usage(const char* why, int status = 2) {
  std::fprintf(stderr,
               "%s\nusage: example_inr_fit [--steps N] [--width N] [--depth N (>= 2)] [--samples N] [--lr X] "
               "[--seed N] [--sigma-p X (vi3nr)] [--torch-bias]\n",
               why);
  std::exit(status);
}

long integer(const char* text, const char* name, long min) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < min || v > 1000000) usage((std::string("bad ") + name).c_str());
  return v;
}

double real(const char* text, const char* name) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !(v > 0 && v <= 10)) usage((std::string("bad ") + name).c_str());
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--torch-bias") {
      o.torch_bias = true;
      continue;
    }
    if (a == "--help" || a == "-h") usage("fits a 1-D signal with a sine MLP under several initializers", 0);
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    const char* v = argv[++i];
    if (a == "--steps") o.steps = integer(v, "--steps", 1);
    else if (a == "--width") o.width = integer(v, "--width", 1);
    else if (a == "--depth") o.depth = integer(v, "--depth", 2);  // winner perturbs two weights
    else if (a == "--samples") o.samples = integer(v, "--samples", 16);
    else if (a == "--seed") o.seed = static_cast<unsigned long long>(integer(v, "--seed", 0));
    else if (a == "--lr") o.lr = real(v, "--lr");
    else if (a == "--sigma-p") o.sigma_p = real(v, "--sigma-p");
    else usage(("unknown option " + a).c_str());
  }
  return o;
}

std::string text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);  // round-trips the double through the option parser
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);

  // The training samples on a uniform grid of [-1, 1], and the midpoints between them (held out):
  // together a grid of 2n - 1 points, even indices trained on. Normalized to max |target| = 1.
  const long n = o.samples;
  const Eigen::ArrayXd fine_x = Eigen::ArrayXd::LinSpaced(2 * n - 1, -1, 1);
  Eigen::ArrayXd fine_t = fine_x.unaryExpr(&raw_signal);
  fine_t /= fine_t.abs().maxCoeff();
  mat x(1, n), target(1, n), x_mid(1, n - 1), target_mid(1, n - 1);
  Eigen::MatrixXd signal(n, 1);  // the training samples, (samples, channels) for winner
  for (long i = 0; i < 2 * n - 1; ++i) {
    const T xi = static_cast<T>(fine_x[i]), ti = static_cast<T>(fine_t[i]);
    if (i % 2 == 0) x(0, i / 2) = xi, target(0, i / 2) = ti, signal(i / 2, 0) = fine_t[i];
    else x_mid(0, i / 2) = xi, target_mid(0, i / 2) = ti;
  }

  // WINNER's audio regime (in_dim 1): the noise scales come from the samples' spectral centroid.
  const nninit::winner_scales ws = nninit::winner_noise_scales(signal, 1);

  struct entry {
    const char* label;
    nninit::initializer init;
  };
  std::vector<entry> schemes;
  schemes.push_back({"siren", nninit::initializer("siren")});
  schemes.push_back({"vi3nr", nninit::initializer("vi3nr")});
  schemes.back().init.set("activation", "sine:30");
  schemes.back().init.set("sigma_p", text(o.sigma_p));
  schemes.push_back({"winner", nninit::initializer("winner")});
  schemes.back().init.set("s0", text(ws.s0));
  schemes.back().init.set("s1", text(ws.s1));
  schemes.push_back({"xavier_uniform", nninit::initializer("xavier_uniform")});
  schemes.push_back({"torch_default", nninit::initializer("torch_default")});

  std::vector<long> checkpoints = {0, o.steps / 10, o.steps / 4, o.steps / 2, o.steps};
  checkpoints.erase(std::unique(checkpoints.begin(), checkpoints.end()), checkpoints.end());

  std::printf("INR fit of a 1-D signal: %ld samples of x in [-1, 1] (tones of 2, 7 and 40 cycles, a chirp, an edge)\n", n);
  std::printf("net: 1 -> %ld x %ld sine:30 -> 1 linear; biases trainable, initialized %s; Adam lr %g, full batch, seed %llu\n",
              o.depth, o.width, o.torch_bias ? "U(+-1/sqrt(fan_in))" : "0", o.lr, o.seed);
  // omega0 W0 is the first layer's angular frequency in x (winner adds N(0, s0^2) to it); above
  // the grid's Nyquist frequency a sine fits the samples but aliases between them.
  std::printf("vi3nr: sigma_p %g; winner: spectral centroid %.4f, s0 %.1f, s1 %.4f; grid Nyquist %.1f rad/unit\n",
              o.sigma_p, ws.centroid, ws.s0, ws.s1, pi * static_cast<double>(n - 1) / 2);
  std::printf("PSNR in dB (peak = max|target| = 1; the zero function scores %.2f) on the training samples after\n"
              "each step count, their best over all steps, and at the end on the %ld midpoints never trained on\n\n",
              psnr(mat::Zero(1, n), target), n - 1);
  std::printf("%-16s", "scheme");
  for (long s : checkpoints) std::printf("%11s", ("step " + std::to_string(s)).c_str());
  std::printf("%9s%11s%8s\n", "best", "midpoints", "time");
  bool finite = true;  // the exit status, for CI's short run
  for (const entry& e : schemes) {
    const result r = fit(e.init, o, x, target, x_mid, target_mid, checkpoints);
    std::printf("%-16s", e.label);
    for (double p : r.psnr) std::printf("%11.2f", p);
    std::printf("%9.2f%11.2f%7.1fs\n", r.best, r.midpoints, r.seconds);
    std::fflush(stdout);
    for (double p : r.psnr) finite = finite && std::isfinite(p);
    finite = finite && std::isfinite(r.midpoints);
  }
  return finite ? 0 : 1;
}
