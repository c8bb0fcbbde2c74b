// The consumer's program: fills a weight through the umbrella header and checks the result is a
// real He initialization, so a package that compiles but ships broken headers still fails.
#include <nninit/nninit.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>

static_assert(NNINIT_VERSION_MAJOR == 0 && NNINIT_VERSION_MINOR >= 1, "nninit_consumer expects nninit 0.1 or later");

int main() {
  constexpr int rows = 64, cols = 256;
  Eigen::MatrixXf w(rows, cols);
  w.setConstant(NAN);
  nninit::kaiming_normal(w, nninit::engine(1));

  if (!w.allFinite()) {
    std::fprintf(stderr, "consumer: kaiming_normal left non-finite values\n");
    return 1;
  }
  const double n = static_cast<double>(w.size());
  const double mean = w.cast<double>().sum() / n;
  const double variance = (w.cast<double>().array() - mean).square().sum() / (n - 1);
  const double expected = 2.0 / cols;  // gain^2 / fan_in for ReLU, fan_in = cols
  // 16384 samples: the sample variance is within a few percent of the true one; 15% is generous.
  if (!(variance > 0) || std::abs(variance / expected - 1) > 0.15 || std::abs(mean) > 0.01) {
    std::fprintf(stderr, "consumer: mean %g, variance %g, expected variance %g\n", mean, variance, expected);
    return 1;
  }

  Eigen::MatrixXf again(rows, cols);
  nninit::kaiming_normal(again, nninit::engine(1));
  if (again != w) {
    std::fprintf(stderr, "consumer: the same engine gave two different fills\n");
    return 1;
  }

  std::printf("consumer: nninit %s, kaiming_normal %dx%d: mean %.3g, variance %.4g (expected %.4g)\n",
              NNINIT_VERSION_STRING, rows, cols, mean, variance, expected);
  return 0;
}
