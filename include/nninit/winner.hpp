// nninit: winner (WINNER / SIREN^2: Chandravamsi, Shenoy, Zinn, Chen, Pisnoy & Frankel, "Spectral
// Bottleneck in Sinusoidal Representation Networks: Noise is All You Need", arXiv 2509.09719), and
// the target-aware noise scales it takes: spectral_centroid, winner_noise_scales.
#pragma once

#include <Eigen/Core>
#include <unsupported/Eigen/FFT>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string_view>
#include <utility>

#include "siren.hpp"

namespace nninit {
namespace detail {

/// The noise of winner is drawn from eng.fork(winner_noise_child), so that it never shares a
/// counter with the SIREN uniform (eng's values domain) it is added to. ASCII "winnoise".
inline constexpr std::uint64_t winner_noise_child = 0x77696E6E6F697365;

/// Largest prime factor of n >= 2, by trial division (at most sqrt(n) steps).
inline index largest_prime_factor(index n) {
  index largest = 1;
  for (index f = 2; f * f <= n; ++f)
    while (n % f == 0) n /= f, largest = f;
  return n > 1 ? n : largest;
}

/// Above this prime factor kissfft's generic butterfly (O(n p)) loses to the chirp z-transform.
inline constexpr index direct_fft_max_prime = 100;

/// |X_k|, k = 0 .. n/2, of the DFT of the real samples x[0 .. n) (numpy's |rfft(x)|). Eigen's
/// kissfft directly when n's prime factors are at most direct_fft_max_prime (or `chirp_z` is
/// false); otherwise Bluestein's chirp z-transform, X_k = conj(c_k) sum_j x_j conj(c_j) c_(k-j)
/// with c_m = exp(i pi m^2 / n), a circular convolution done by power-of-two kissffts, so a prime
/// length costs O(n log n) as in numpy (pocketfft), not O(n^2). The two agree to rounding.
inline Eigen::ArrayXd rfft_magnitudes(const double* x, index n, bool chirp_z) {
  using complex = std::complex<double>;
  Eigen::FFT<double> fft;
  const index bins = n / 2 + 1;
  if (!chirp_z) {
    fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
    Eigen::VectorXcd spectrum(bins);
    fft.fwd(spectrum.data(), x, n);
    return spectrum.array().abs();
  }
  index m = 1;
  while (m < 2 * n - 1) m *= 2;
  const double pi = 3.14159265358979323846;
  Eigen::VectorXcd a = Eigen::VectorXcd::Zero(m), b = Eigen::VectorXcd::Zero(m);
  for (index j = 0; j < n; ++j) {
    const complex c = std::polar(1.0, pi * static_cast<double>(j * j % (2 * n)) / static_cast<double>(n));
    a[j] = x[j] * std::conj(c);
    b[j] = b[(m - j) % m] = c;
  }
  Eigen::VectorXcd fa(m), fb(m), conv(m);
  fft.fwd(fa.data(), a.data(), m);
  fft.fwd(fb.data(), b.data(), m);
  fa.array() *= fb.array();
  fft.inv(conv.data(), fa.data(), m);
  return conv.head(bins).array().abs();  // |conj(c_k)| = 1
}

/// spectral_centroid, with errors in the caller's name.
inline double spectral_centroid(const checker& check, const Eigen::Ref<const Eigen::MatrixXd>& signal) {
  const index n = signal.rows(), channels = signal.cols();
  if (n < 2 || channels < 1 || n > (index{1} << 29))  // kissfft counts in int; the chirp z length is < 4n
    check.fail("signal", "at least 2 samples (rows, at most 2^29) by at least 1 channel (columns)",
               cat(number(n), "x", number(channels)));
  if (!signal.allFinite()) {
    Eigen::Index r = 0, c = 0;
    (!signal.array().isFinite()).cast<int>().maxCoeff(&r, &c);  // the first non-finite one, column by column
    check.fail("signal", "finite", cat(number(signal(r, c)), " at (", number(r), ", ", number(c), ")"));
  }
  const index bins = n / 2 + 1;
  const Eigen::ArrayXd freq =  // numpy rfftfreq(n, d=1): k * (1 / n)
      Eigen::ArrayXd::LinSpaced(bins, 0, static_cast<double>(bins - 1)) * (1.0 / static_cast<double>(n));
  const bool chirp_z = largest_prime_factor(n) > direct_fft_max_prime;
  double sum = 0;
  for (index c = 0; c < channels; ++c) {
    const Eigen::ArrayXd magnitude = rfft_magnitudes(signal.col(c).data(), n, chirp_z);  // Ref's columns are contiguous
    const double total = magnitude.sum();
    sum += total != 0 ? (magnitude * freq).sum() / total : 0.0;
  }
  const double count = static_cast<double>(channels);
  return sum / count * 2 / count;  // the official (mean * 2) / num_channels
}

}  // namespace detail

/// WINNER's spectral centroid of a signal (official `spectral_centroid`, hemanthgrylls/SIREN-square
/// modules/networks.py, its 1-D branch, which is the one the official scripts reach). Rows are
/// samples (N >= 2) and columns channels (C >= 1): audio is (N, channels), an image is its
/// row-major raster (H*W, channels), as the scripts' pixels.view(-1, C). Per channel,
///   X = |rfft(x_c)|, f_k = k/N (k = 0 .. N/2), SC_c = sum f_k X_k / sum X_k (0 if sum X_k = 0),
/// magnitude-weighted, not power; then SC = 2 * mean_c(SC_c) / C. The division by C is the
/// official code's and WINNER's constants are calibrated with it: keep it. A tone at k/N gives
/// 2k/N for one channel (N = 1000, k = 250: 0.5); constant and all-zero signals give 0.
/// The FFT is Eigen's (kissfft), through Bluestein's chirp z-transform for lengths with a prime
/// factor above 100, so any N costs O(N log N).
/// Throws init_error for fewer than 2 samples, no channel, or a non-finite value.
inline double spectral_centroid(const Eigen::Ref<const Eigen::MatrixXd>& signal) {
  return detail::spectral_centroid(detail::checker("spectral_centroid", ""), signal);
}

/// WINNER's noise scales for a target signal (winner_noise_scales).
struct winner_scales {
  double centroid;  ///< SC = spectral_centroid(signal)
  double s0;        ///< S0: the first weight matrix gets N(0, (S0/omega0)^2) noise
  double s1;        ///< S1: the second weight matrix gets N(0, (S1/omega0)^2) noise
};

/// WINNER's empirical noise scales (official SIREN_square.set_noise_scales), from
/// z = SC / C, C = signal.cols() = the network's output channels (a second division by C, the
/// official code's n_ch = out_dim):
///   in_dim 1 (audio):  S0 = 3500 (1 - e^(-7 z)), S1 = 3 z;
///   in_dim 2 (image):  S0 = 50 (1 - e^(-5 z)),   S1 = 0.4 z.
/// Computed in the official order of operations (-a * SC / C), so the values are its doubles:
/// a mono tone at 250/1000 gives SC 0.5, S0 3394.309158021885, S1 1.5. A third-party
/// re-implementation says the paper's text has a = 5 for audio (unverified); this follows the
/// code's 7. One stored revision of networks.py divides SC by sqrt(n_ch) instead of n_ch; this
/// follows the n_ch revision, the one variance.md's constants are computed with.
/// in_dim = 3 (the official "3-D" regime) or any other value has no formula: init_error, and
/// the caller sets winner's s0 and s1 itself. Signal errors as spectral_centroid.
inline winner_scales winner_noise_scales(const Eigen::Ref<const Eigen::MatrixXd>& signal, index in_dim) {
  const detail::checker check("winner_noise_scales", "");
  if (in_dim != 1 && in_dim != 2)
    check.fail("in_dim", "1 (audio) or 2 (image); for other inputs set winner's s0 and s1 yourself",
               detail::number(in_dim));
  const double sc = detail::spectral_centroid(check, signal);
  const double count = static_cast<double>(signal.cols());
  if (in_dim == 1) return {sc, 3500 * (1 - std::exp(-7 * sc / count)), sc / count * 3};
  return {sc, 50 * (1 - std::exp(-5 * sc / count)), sc / count * 0.4};
}

namespace scheme {

/// WINNER, weight initialization with noise for neural representations (Chandravamsi et al.,
/// arXiv 2509.09719; a SIREN so initialised is their SIREN^2; official code
/// hemanthgrylls/SIREN-square modules/networks.py SIREN_square): a SIREN whose first two weight
/// matrices get target-aware Gaussian noise,
///   layer 0 (input -> hidden 1):    SIREN first layer U(+-1/fan_in)          + N(0, (s0/omega0)^2)
///   layer 1 (hidden 1 -> hidden 2): SIREN hidden U(+-sqrt(6/fan_in)/omega0)  + N(0, (s1/omega0)^2)
///   layer >= 2 (the final linear layer too): SIREN hidden, no noise.
/// Because the forward pass multiplies by omega0, the effective frequencies get N(0, s0^2) and
/// N(0, s1^2): layer 0 acts like random Fourier features of scale s0. The official code uses
/// omega_0 (30) for both divisions, also in layer 0 whose forward factor is first_omega (30).
/// s0 and s1 come from the target signal (winner_noise_scales) or from the user (3-D inputs);
/// with s0 = s1 = 0 this is siren, bit for bit. Biases get no noise (PyTorch's default).
/// The uniform is siren's (eng's values, the same plan); the noise comes from an independent
/// stream, eng.fork(detail::winner_noise_child), element by element from the logical index, so
/// a block gets the whole fill's block. describe(): dist uniform_plus_normal (uniform without
/// noise), bound/lo/hi of the uniform,
/// std = the noise's std s/omega0 (0 without noise), output_std = sqrt(bound^2/3 + std^2).
/// Matches the official code's bound and noise std exactly, its values in distribution.
struct winner : detail::scheme_base<winner> {
  static constexpr std::string_view name = "winner";
  static constexpr std::string_view reference =
      "SIREN-square modules/networks.py SIREN_square (bound and noise std exact, values in distribution)";
  static constexpr bool is_random = true;
  double omega0 = 30.0;  ///< SIREN's omega_0, finite and > 0; also divides s0 and s1 (official: 30)
  index layer = 0;       ///< which weight matrix: 0 the first, 1 the second, >= 2 a later one (no noise)
  double s0 = 0.0;       ///< S0 >= 0, noise scale of layer 0 (winner_noise_scales)
  double s1 = 0.0;       ///< S1 >= 0, noise scale of layer 1 (winner_noise_scales)

  template <class V> void visit_options(V&& v) {
    v("omega0", omega0, "SIREN's frequency factor, > 0; the noise std is s/omega0");
    v("layer", layer, "weight matrix index: 0 first (+ s0 noise), 1 second (+ s1 noise), >= 2 plain SIREN");
    v("s0", s0, "noise scale S0 >= 0 of the first weight matrix (winner_noise_scales)");
    v("s1", s1, "noise scale S1 >= 0 of the second weight matrix (winner_noise_scales)");
  }

  /// The noise std of this layer: s0/omega0, s1/omega0 or 0.
  double noise_std() const { return layer == 0 ? s0 / omega0 : layer == 1 ? s1 / omega0 : 0.0; }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive("omega0", omega0);
    if (layer < 0)
      ctx.check.fail("layer", ">= 0 (0: the first weight matrix, 1: the second, 2 or more: a later one)",
                     detail::number(layer));
    ctx.check.non_negative("s0", s0);
    ctx.check.representable("s0", s0);
    ctx.check.non_negative("s1", s1);
    ctx.check.representable("s1", s1);
    const double noise = noise_std();
    if (!std::isfinite(static_cast<float>(noise)))
      ctx.check.fail("omega0",
                     detail::cat("large enough that ", layer == 0 ? "s0" : "s1", " / omega0 is finite in float"), omega0);
    plan p = detail::siren_plan(ctx, name, omega0, layer == 0);
    p.std = noise;
    if (noise > 0) {
      p.dist = distribution::uniform_plus_normal;
      p.output_std = std::sqrt(p.bound * p.bound / 3 + noise * noise);
    }
    return p;
  }

  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    plan uniform = p;
    uniform.dist = distribution::uniform;
    detail::sample(uniform, w, ctx.geom, eng);  // siren's values, to the bit
    if (p.std == 0) return;
    plan noise;
    noise.dist = distribution::normal;
    noise.mean = 0;
    noise.std = p.std;
    typename X::PlainObject draws(ctx.geom.rows, ctx.geom.cols);
    detail::sample(noise, draws, ctx.geom, eng.fork(detail::winner_noise_child));
    w += draws;
  }
};

}  // namespace scheme

/// A WINNER weight: weight matrix `layer` (0, 1, or >= 2) of a SIREN^2 with noise scales s0, s1,
/// e.g. from winner_noise_scales(signal, in_dim).
template <class Target, class Rng>
void winner(Target&& w, Rng&& rng, index layer, double s0 = 0.0, double s1 = 0.0, double omega0 = 30.0,
            const shape& s = {}) {
  scheme::winner{{}, omega0, layer, s0, s1}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
