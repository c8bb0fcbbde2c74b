// SIREN (siren) and WINNER / SIREN^2 (winner, spectral_centroid, winner_noise_scales). Known
// answers are from ../shared/algorithms/variance.md sections 2 and 3.
#include <doctest/doctest.h>
#include <nninit/normal.hpp>
#include <nninit/siren.hpp>
#include <nninit/winner.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace siren_test {

using idx = nninit::index;
using nninit::scheme::siren;
using nninit::scheme::winner;

const nninit::engine eng(20260311, 4);
const double pi = 3.14159265358979323846;

template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

siren siren_of(bool first_layer, double omega0 = 30.0) {
  siren s;
  s.omega0 = omega0;
  s.first_layer = first_layer;
  return s;
}

winner winner_of(idx layer, double s0, double s1, double omega0 = 30.0) {
  winner w;
  w.omega0 = omega0;
  w.layer = layer;
  w.s0 = s0;
  w.s1 = s1;
  return w;
}

template <class T, class Scheme>
matrix<T> filled(const Scheme& s, idx rows, idx cols, const nninit::shape& sh = {}) {
  matrix<T> w(rows, cols);
  s(w, eng, sh);
  return w;
}

/// A tone sin(2 pi k n / N), n = 0 .. N-1, in `channels` identical columns.
Eigen::MatrixXd tone(idx n, double k, idx channels = 1) {
  Eigen::MatrixXd x(n, channels);
  for (idx r = 0; r < n; ++r) x.row(r).setConstant(std::sin(2 * pi * k * static_cast<double>(r) / static_cast<double>(n)));
  return x;
}

/// A 64x64 image of vertical stripes (-1)^col in 3 identical channels, flattened row-major.
Eigen::MatrixXd stripes() {
  Eigen::MatrixXd x(64 * 64, 3);
  for (idx row = 0; row < 64; ++row)
    for (idx col = 0; col < 64; ++col) x.row(row * 64 + col).setConstant(col % 2 == 0 ? 1.0 : -1.0);
  return x;
}

/// U(-b, b) CDF.
std::function<double(double)> uniform_cdf(double b) {
  return [b](double x) { return std::clamp((x + b) / (2 * b), 0.0, 1.0); };
}

// ============================================================================================
// siren

TEST_CASE("siren: the bounds are the official code's doubles") {
  const auto hidden = siren{}.describe(nninit::shape{256, 256});
  CHECK(hidden.bound == 0.005103103630798287);  // np.sqrt(6 / 256) / 30
  CHECK(hidden.lo == -0.005103103630798287);
  CHECK(hidden.hi == 0.005103103630798287);
  CHECK(hidden.dist == nninit::distribution::uniform);
  CHECK(hidden.fan_in == 256);
  CHECK(hidden.mean == 0);
  CHECK(hidden.output_std == doctest::Approx(std::sqrt(2.0 / 256) / 30).epsilon(1e-15));  // Var = 2 / (omega0^2 fan_in)
  CHECK(siren_of(true).describe(nninit::shape{256, 2}).bound == 0.5);  // first layer: 1 / fan_in
  CHECK(siren_of(true).describe(nninit::shape{256, 3}).bound == 1.0 / 3);
  CHECK(siren_of(true, 3000).describe(nninit::shape{256, 2}).bound == 0.5);  // omega0 does not enter the first layer
  CHECK(siren_of(false, 60).describe(nninit::shape{256, 256}).bound == std::sqrt(6.0 / 256) / 60);
  // A conv weight: fan_in = in * k (PyTorch's rule), and the final linear layer is a hidden one.
  CHECK(siren{}.describe(nninit::shape{64, 16, 3, 3}).bound == std::sqrt(6.0 / 144) / 30);
  CHECK(siren{}.describe(nninit::shape{3, 256}).bound == 0.005103103630798287);
}

TEST_CASE_TEMPLATE("siren: values lie within the bound, the upper end excluded, and are uniform by KS", T, float, double) {
  for (bool first : {false, true}) {
    CAPTURE(first);
    const idx in = first ? 2 : 256;
    const idx out = (idx{1} << 17) / in;
    const auto w = filled<T>(siren_of(first), out, in);
    const double b = first ? 0.5 : 0.005103103630798287;
    const auto v = test::values(w);
    const auto m = test::moments_of(v);
    CHECK(m.min >= -static_cast<T>(b));
    CHECK(m.max < static_cast<T>(b));
    test::check_mean(m, 0, b / std::sqrt(3.0));
    test::check_variance(m, b / std::sqrt(3.0), 1.8);
    CHECK(test::ks_statistic(v, uniform_cdf(b)) < test::ks_critical(v.size()));
  }
}

TEST_CASE("siren: the free function is the scheme, with first_layer before omega0") {
  Eigen::MatrixXf a(32, 2), b(32, 2);
  nninit::siren(a, eng, true);
  siren_of(true)(b, eng);
  CHECK(a == b);
  Eigen::MatrixXd c(16, 64), d(16, 64);
  nninit::siren(c, eng, false, 90.0);
  siren_of(false, 90.0)(d, eng);
  CHECK(c == d);
  CHECK(c.cwiseAbs().maxCoeff() < std::sqrt(6.0 / 64) / 90);
}

// ============================================================================================
// winner

TEST_CASE_TEMPLATE("winner: without noise, and on layers >= 2, it is siren's fill to the bit", T, float, double) {
  for (idx layer : {0, 1, 2, 7}) {
    CAPTURE(layer);
    const auto expected = filled<T>(siren_of(layer == 0), 40, 24);
    CHECK(filled<T>(winner_of(layer, 0, 0), 40, 24) == expected);
    if (layer >= 2) CHECK(filled<T>(winner_of(layer, 500, 5), 40, 24) == expected);  // layer 2 on: no noise
  }
  CHECK(filled<T>(winner_of(1, 0, 0, 45), 40, 24) == filled<T>(siren_of(false, 45), 40, 24));
  CHECK(filled<T>(winner_of(1, 700, 0), 40, 24) == filled<T>(siren_of(false), 40, 24));  // s0 is layer 0's
  CHECK(filled<T>(winner_of(0, 0, 3), 40, 24) == filled<T>(siren_of(true), 40, 24));     // s1 is layer 1's
}

TEST_CASE("winner: the noise is an independent stream added to siren's values") {
  // W = siren's uniform (eng's values) + N(0, (s/omega0)^2) from eng.fork(winner_noise_child).
  const double s1 = 1.5;
  const auto w = filled<double>(winner_of(1, 0, s1), 64, 48);
  Eigen::MatrixXd noise(64, 48);
  nninit::normal(noise, eng.fork(nninit::detail::winner_noise_child), 0.0, s1 / 30);
  CHECK(w == filled<double>(siren_of(false), 64, 48) + noise);
  Eigen::MatrixXd same_counters(64, 48);
  nninit::normal(same_counters, eng, 0.0, s1 / 30);
  CHECK(noise != same_counters);
}

TEST_CASE("winner: the empirical std of W - W_siren is s/omega0 (the cheap harness), layer 0 and layer 1") {
  // Audio: in_dim 1, a mono tone at 250/1000: S0 = 3394.309158021885, S1 = 1.5.
  const double S0 = 3394.309158021885, S1 = 1.5;
  const idx n = idx{1} << 16;
  const Eigen::MatrixXd d0 = filled<double>(winner_of(0, S0, S1), n, 1) - filled<double>(siren_of(true), n, 1);
  auto v = test::values(d0);
  auto m = test::moments_of(v);
  test::check_mean(m, 0, S0 / 30);
  test::check_variance(m, S0 / 30);
  CHECK(test::ks_statistic(v, [&](double x) { return test::phi(x / (S0 / 30)); }) < test::ks_critical(v.size()));
  // The effective first-layer frequencies omega0 * W0 have mean |.| ~ S0 sqrt(2/pi) (the uniform
  // part, 30 U(-1, 1), moves it by less than 1e-4 relative); the sample sd of |N| is 0.6 S0.
  const Eigen::MatrixXd w0 = filled<double>(winner_of(0, S0, S1), n, 1);
  const double mean_abs = 30 * w0.cwiseAbs().mean();
  CHECK(std::fabs(mean_abs - S0 * std::sqrt(2 / pi)) <= test::z_bound * 0.61 * S0 / std::sqrt(static_cast<double>(n)));

  const Eigen::MatrixXd d1 = filled<double>(winner_of(1, S0, S1), 256, 256) - filled<double>(siren_of(false), 256, 256);
  v = test::values(d1);
  m = test::moments_of(v);
  test::check_mean(m, 0, S1 / 30);
  test::check_variance(m, S1 / 30);
  CHECK(test::ks_statistic(v, [&](double x) { return test::phi(x / (S1 / 30)); }) < test::ks_critical(v.size()));
  CHECK(filled<double>(winner_of(2, S0, S1), 256, 256) == filled<double>(siren_of(false), 256, 256));
}

TEST_CASE_TEMPLATE("winner: a block filled with its offset equals the same block of the whole fill", T, float, double) {
  for (idx layer : {0, 1}) {
    CAPTURE(layer);
    const winner s = winner_of(layer, 40, 2);
    const matrix<T> full = filled<T>(s, 40, 24, nninit::shape{40, 24});
    for (auto [r0, c0, rows, cols] : {std::array<int, 4>{0, 0, 40, 24}, {3, 5, 7, 11}, {39, 0, 1, 24}, {10, 23, 30, 1}}) {
      matrix<T> part(rows, cols);
      s(part, eng, nninit::shape{40, 24}.at(r0, c0));
      CHECK(part == full.block(r0, c0, rows, cols));
    }
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major(40, 24);
    s(row_major, eng);
    CHECK(row_major == full);
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> array(40, 24);
    s(array, eng);
    CHECK(array.matrix() == full);
  }
}

TEST_CASE("winner: describe reports the uniform's bound, the noise's std and the combined std") {
  const double S0 = 3394.309158021885;
  const auto p0 = winner_of(0, S0, 1.5).describe(nninit::shape{222, 1});
  CHECK(p0.bound == 1.0);
  CHECK(p0.std == doctest::Approx(113.14363860).epsilon(1e-10));  // noise std of W0 (variance.md)
  CHECK(p0.output_std == doctest::Approx(std::sqrt(1.0 / 3 + p0.std * p0.std)).epsilon(1e-15));
  const auto p1 = winner_of(1, S0, 1.5).describe(nninit::shape{222, 222});
  CHECK(p1.bound == std::sqrt(6.0 / 222) / 30);
  CHECK(p1.std == doctest::Approx(0.05).epsilon(1e-15));
  const auto p2 = winner_of(2, S0, 1.5).describe(nninit::shape{222, 222});
  CHECK(p2.std == 0);
  CHECK(p2.output_std == siren{}.describe(nninit::shape{222, 222}).output_std);
  CHECK(p2.scheme == "winner");
}

TEST_CASE("winner: the free function takes layer, s0, s1, omega0") {
  Eigen::MatrixXf a(30, 1), b(30, 1);
  nninit::winner(a, eng, 0, 100.0, 2.0);
  winner_of(0, 100, 2)(b, eng);
  CHECK(a == b);
  nninit::winner(a, eng, 1, 100.0, 2.0, 15.0);
  winner_of(1, 100, 2, 15)(b, eng);
  CHECK(a == b);
}

TEST_CASE("winner: an empty target is a no-op once the options are valid") {
  Eigen::MatrixXd empty(0, 7);
  CHECK_NOTHROW(winner_of(0, 10, 1)(empty, eng));
  CHECK_THROWS_AS(winner_of(0, -1, 1)(empty, eng), nninit::init_error);
}

// ============================================================================================
// spectral centroid and noise scales

TEST_CASE("spectral_centroid: the known answers of variance.md, and the WINNER noise scales") {
  // The file's answers are exact; a computed tone has an FFT noise floor of ~1e-13 per bin, which
  // the magnitude weighting never cancels: the 50/1000 tone's SC is 0.1 + 9e-14. Hence 1e-11.
  const auto audio = nninit::winner_noise_scales(tone(1000, 250), 1);
  CHECK(audio.centroid == doctest::Approx(0.5).epsilon(1e-11));
  CHECK(audio.s0 == doctest::Approx(3394.309158021885).epsilon(1e-11));
  CHECK(audio.s1 == doctest::Approx(1.5).epsilon(1e-11));
  CHECK(audio.s0 / 30 == doctest::Approx(113.14363860).epsilon(1e-10));
  CHECK(audio.s1 / 30 == doctest::Approx(0.05).epsilon(1e-11));
  CHECK(nninit::spectral_centroid(tone(1000, 250)) == audio.centroid);

  const auto low = nninit::winner_noise_scales(tone(1000, 50), 1);
  CHECK(low.centroid == doctest::Approx(0.1).epsilon(1e-11));
  CHECK(low.s0 == doctest::Approx(1761.9514367).epsilon(1e-10));
  CHECK(low.s1 == doctest::Approx(0.3).epsilon(1e-11));
  CHECK(low.s0 / 30 == doctest::Approx(58.7317).epsilon(1e-6));

  // Vertical stripes: every channel is (-1)^n, all its magnitude at Nyquist (f = 1/2), so
  // SC = 2 * 0.5 / 3 and z = SC / 3 = 1/9.
  // The FFT of +-1 at N = 4096 is exact, so the scales are the official doubles, which pins the
  // order of operations (-5 * SC / C; -5 * (SC / C) would end in ...362).
  const auto image = nninit::winner_noise_scales(stripes(), 2);
  CHECK(image.centroid == 1.0 / 3);
  CHECK(image.s0 == 21.31232896312836);
  CHECK(image.s1 == 1.0 / 3 / 3 * 0.4);
  CHECK(image.s1 == doctest::Approx(0.0444444).epsilon(1e-6));
  CHECK(image.s0 / 30 == doctest::Approx(0.710411).epsilon(1e-6));
  CHECK(image.s1 / 30 == doctest::Approx(0.00148148).epsilon(1e-5));
}

TEST_CASE("spectral_centroid: constant and all-zero signals give 0, so winner is plain siren") {
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(1000, 2);
  const auto z = nninit::winner_noise_scales(zero, 1);
  CHECK(z.centroid == 0);  // every magnitude is 0: the official 0
  CHECK(z.s0 == 0);
  CHECK(z.s1 == 0);
  // A constant puts everything in bin 0 (f = 0); the other bins hold FFT rounding, ~1e-16 relative.
  for (idx n : {1000, 1024, 999}) {
    CAPTURE(n);
    const auto c = nninit::winner_noise_scales(Eigen::MatrixXd::Constant(n, 1, 0.75), 1);
    CHECK(std::fabs(c.centroid) < 1e-14);
    CHECK(std::fabs(c.s0) < 1e-9);
    CHECK(std::fabs(c.s1) < 1e-13);
    const auto img = nninit::winner_noise_scales(Eigen::MatrixXd::Constant(n, 3, -2.0), 2);
    CHECK(std::fabs(img.centroid) < 1e-14);
  }
}

TEST_CASE("spectral_centroid: channels divide twice, odd lengths, row-major input, white noise") {
  // Two identical channels of the 250/1000 tone: SC_c = 0.25 each, SC = 2 * 0.25 / 2 = 0.25,
  // and z = SC / 2 = 0.125 for the scales (the official second division by n_ch).
  const auto two = nninit::winner_noise_scales(tone(1000, 250, 2), 1);
  CHECK(two.centroid == doctest::Approx(0.25).epsilon(1e-11));
  CHECK(two.s0 == doctest::Approx(3500 * (1 - std::exp(-7 * 0.125))).epsilon(1e-11));
  CHECK(two.s1 == doctest::Approx(0.375).epsilon(1e-11));
  // Odd N (kissfft's generic path): a tone at bin 111 of 999 has SC = 2 * 111 / 999.
  CHECK(nninit::spectral_centroid(tone(999, 111)) == doctest::Approx(222.0 / 999).epsilon(1e-11));
  // A prime length (1009 > 100) goes through the chirp z-transform: the same answer.
  CHECK(nninit::spectral_centroid(tone(1009, 111)) == doctest::Approx(222.0 / 1009).epsilon(1e-11));
  // The shortest signal, N = 2: bins f = 0 and 1/2, all of (1, -1) at 1/2.
  CHECK(nninit::spectral_centroid(Eigen::Vector2d(1, -1)) == 1.0);
  // A row-major signal is read through Ref's copy: the same answer.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = stripes();
  CHECK(nninit::spectral_centroid(rows) == nninit::spectral_centroid(stripes()));
  // White noise: flat expected magnitudes over f in [0, 1/2], so SC ~ 2 * 0.25 = 0.5.
  Eigen::MatrixXd noise(idx{1} << 16, 1);
  nninit::normal(noise, eng, 0.0, 1.0);
  CHECK(nninit::spectral_centroid(noise) == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("spectral_centroid: the chirp z-transform and kissfft give the same magnitudes") {
  CHECK(nninit::detail::largest_prime_factor(2) == 2);
  CHECK(nninit::detail::largest_prime_factor(1000) == 5);
  CHECK(nninit::detail::largest_prime_factor(999) == 37);
  CHECK(nninit::detail::largest_prime_factor(65537) == 65537);
  CHECK(nninit::detail::largest_prime_factor(6 * 2381) == 2381);
  for (idx n : {2, 3, 7, 64, 999, 1000, 1009}) {
    CAPTURE(n);
    Eigen::VectorXd x(n);
    nninit::normal(x, eng, 0.5, 1.0);
    const Eigen::ArrayXd direct = nninit::detail::rfft_magnitudes(x.data(), n, false);
    const Eigen::ArrayXd chirp = nninit::detail::rfft_magnitudes(x.data(), n, true);
    REQUIRE(direct.size() == n / 2 + 1);
    REQUIRE(chirp.size() == n / 2 + 1);
    CHECK((direct - chirp).abs().maxCoeff() <= 1e-12 * direct.maxCoeff());
  }
}

// ============================================================================================
// errors

TEST_CASE("siren and winner: every bad option throws the exact message and writes nothing") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  struct bad_case {
    std::function<void(Eigen::MatrixXd&)> fill;
    std::string message;
  };
  const auto fill_siren = [](double omega0, bool first = false) {
    return [=](Eigen::MatrixXd& w) { siren_of(first, omega0)(w, eng); };
  };
  const auto fill_winner = [](idx layer, double s0, double s1, double omega0 = 30) {
    return [=](Eigen::MatrixXd& w) { winner_of(layer, s0, s1, omega0)(w, eng); };
  };
  const std::vector<bad_case> cases = {
      {fill_siren(0), "nninit::siren: omega0 must be finite and > 0, got 0, for a 3x4 target"},
      {fill_siren(-30), "nninit::siren: omega0 must be finite and > 0, got -30, for a 3x4 target"},
      {fill_siren(nan), "nninit::siren: omega0 must be finite and > 0, got nan, for a 3x4 target"},
      {fill_siren(inf), "nninit::siren: omega0 must be finite and > 0, got inf, for a 3x4 target"},
      {fill_siren(0, true), "nninit::siren: omega0 must be finite and > 0, got 0, for a 3x4 target"},
      {fill_siren(1e-40),
       "nninit::siren: omega0 must be large enough that 2 * sqrt(6 / fan_in) / omega0 is finite in float, got 1e-40, "
       "for a 3x4 target"},
      {fill_winner(0, 1, 1, 0), "nninit::winner: omega0 must be finite and > 0, got 0, for a 3x4 target"},
      {fill_winner(0, 1, 1, nan), "nninit::winner: omega0 must be finite and > 0, got nan, for a 3x4 target"},
      {fill_winner(0, 1, 1, -inf), "nninit::winner: omega0 must be finite and > 0, got -inf, for a 3x4 target"},
      {fill_winner(-1, 0, 0),
       "nninit::winner: layer must be >= 0 (0: the first weight matrix, 1: the second, 2 or more: a later one), got -1, "
       "for a 3x4 target"},
      {fill_winner(0, -1, 0), "nninit::winner: s0 must be finite and >= 0, got -1, for a 3x4 target"},
      {fill_winner(2, -1, 0), "nninit::winner: s0 must be finite and >= 0, got -1, for a 3x4 target"},  // even unused
      {fill_winner(1, 0, nan), "nninit::winner: s1 must be finite and >= 0, got nan, for a 3x4 target"},
      {fill_winner(1, 0, inf), "nninit::winner: s1 must be finite and >= 0, got inf, for a 3x4 target"},
      {fill_winner(0, 1e39, 0), "nninit::winner: s0 must be finite and within float range, got 1e+39, for a 3x4 target"},
      {fill_winner(0, 1e38, 0, 1e-3),
       "nninit::winner: omega0 must be large enough that s0 / omega0 is finite in float, got 0.001, for a 3x4 target"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    Eigen::MatrixXd target = Eigen::MatrixXd::Constant(3, 4, nan);
    CHECK_THROWS_WITH_AS(c.fill(target), c.message.c_str(), nninit::init_error);
    CHECK(target.array().isNaN().all());  // validated before any write
  }
  Eigen::MatrixXd vector(5, 1);
  CHECK_THROWS_WITH_AS(siren{}(vector, eng, nninit::shape{5}),
                       "nninit::siren: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 5 target",
                       nninit::init_error);
}

TEST_CASE("spectral_centroid and winner_noise_scales: bad signals and in_dim throw the exact message") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(nninit::spectral_centroid(Eigen::MatrixXd::Ones(1, 3)),
                       "nninit::spectral_centroid: signal must be at least 2 samples (rows, at most 2^29) by at "
                       "least 1 channel (columns), got 1x3",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::spectral_centroid(Eigen::MatrixXd(5, 0)),
                       "nninit::spectral_centroid: signal must be at least 2 samples (rows, at most 2^29) by at "
                       "least 1 channel (columns), got 5x0",
                       nninit::init_error);
  Eigen::MatrixXd signal = tone(16, 3, 2);
  signal(3, 1) = nan;
  CHECK_THROWS_WITH_AS(nninit::spectral_centroid(signal), "nninit::spectral_centroid: signal must be finite, got nan at (3, 1)",
                       nninit::init_error);
  signal(3, 1) = 0;
  signal(0, 0) = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(nninit::winner_noise_scales(signal, 1),
                       "nninit::winner_noise_scales: signal must be finite, got -inf at (0, 0)", nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::winner_noise_scales(Eigen::MatrixXd::Zero(1, 1), 2),
                       "nninit::winner_noise_scales: signal must be at least 2 samples (rows, at most 2^29) by at "
                       "least 1 channel (columns), got 1x1",
                       nninit::init_error);
  for (idx in_dim : {3, 0, -1}) {
    const std::string message = "nninit::winner_noise_scales: in_dim must be 1 (audio) or 2 (image); for other inputs set "
                                "winner's s0 and s1 yourself, got " +
                                std::to_string(in_dim);
    CHECK_THROWS_WITH_AS(nninit::winner_noise_scales(tone(100, 10), in_dim), message.c_str(), nninit::init_error);
  }
}

}  // namespace siren_test
