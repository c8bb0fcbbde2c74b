// Variance-informed schemes and the activation moments under them: Gauss-Hermite and adaptive
// quadrature, calculate_gain for any activation, the variance map's fixed point and slope,
// vi3nr, kumar, maxout, small_init. Known answers are from ../shared/algorithms/variance.md
// (sections 1.4-1.5, 4, 5, 6, 11), computed there with 40-digit adaptive quadrature.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace variance_test {

using nninit::activation;
using idx = nninit::index;

/// Relative agreement to `digits` significant digits.
void check_digits(double got, double want, double digits = 10) {
  CAPTURE(got);
  CAPTURE(want);
  CHECK(std::fabs(got - want) <= std::pow(10.0, -digits) * std::fabs(want));
}

nninit::activation_moments at(const char* name, double sigma = 1.0) { return nninit::moments_of(activation::parse(name), sigma); }

nninit::plan describe(const char* scheme, std::vector<std::pair<std::string, std::string>> options, nninit::shape s) {
  nninit::initializer init(scheme);
  for (const auto& [k, v] : options) init.set(k, v);
  return init.describe(s);
}

double softplus(double z) { return z > 30 ? z : std::log1p(std::exp(z)); }
double sinc(double z) { return z == 0 ? 1.0 : std::sin(z) / z; }
double wavelet(double z) { return std::cos(z) * std::exp(-z * z); }

}  // namespace variance_test

using namespace variance_test;

TEST_CASE("moments: Golub-Welsch Gauss-Hermite nodes and weights, and the Kronrod rule's exactness") {
  const nninit::gauss_hermite_rule r3(3), r5(5);
  CHECK(r3.nodes[1] == 0.0);
  CHECK(r3.nodes[2] == -r3.nodes[0]);
  check_digits(r3.nodes[2], 1.224744871391589, 14);
  check_digits(r3.weights[1], 1.1816359006036772, 14);
  check_digits(r3.weights[0], 0.2954089751509194, 14);
  check_digits(r5.nodes[3], 0.9585724646138185, 14);
  check_digits(r5.nodes[4], 2.0201828704560856, 14);
  check_digits(r5.weights[2], 0.9453087204829418, 14);
  check_digits(r5.weights[3], 0.3936193231522411, 14);
  check_digits(r5.weights[4], 0.019953242059045917, 13);
  for (int n : {3, 5, 160, 241}) {
    double sum = 0;
    for (double w : nninit::gauss_hermite_rule(n).weights) sum += w;
    check_digits(sum, 1.7724538509055159, 14);
  }
  // 15-point Kronrod: exact to degree 22 on [-1, 1]; its 7-point Gauss part to degree 13.
  for (int k = 0; k <= 22; ++k) {
    auto g = [k](double x) { return std::array<double, 1>{std::pow(x, k)}; };
    const auto e = nninit::detail::kronrod15<1>(-1.0, 1.0, g);
    const double exact = k % 2 ? 0.0 : 2.0 / (k + 1);
    CAPTURE(k);
    CHECK(std::fabs(e.kronrod[0] - exact) < 1e-15);
    if (k <= 13) CHECK(std::fabs(e.gauss[0] - exact) < 1e-15);
  }
  CHECK_THROWS_WITH_AS(nninit::gauss_hermite_rule(0), "nninit::gauss_hermite_rule: n must be >= 1, got 0", nninit::init_error);
}

TEST_CASE("moments: the reference table of variance.md 11 at s = 1, to 10 digits") {
  struct row {
    const char* name;
    double mean, second, derivative;
  };
  const std::vector<row> rows = {
      {"relu", 0.398942280401, 0.5, 0.5},
      {"tanh", 0, 0.394294490398, 0.464402902448},
      {"sigmoid", 0.5, 0.293379035858, 0.0448362413502},
      {"sine:1", 0, 0.432332358382, 0.567667641618},
      {"gaussian:1", 0.707106781187, 0.577350269190, 0.192450089730},
      {"gelu", 0.282094791774, 0.425221482570, 0.455850865649},
      {"silu", 0.206620964142, 0.355775519817, 0.379482351633},
      {"elu", 0.160520572267, 0.644945417493, 0.668102001223},
      {"sine:30", 0, 0.5, 450},
      {"gaussian:0.05", 0.0499376169, 0.0353332626669, 7.05783024557},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    const auto m = at(r.name);
    if (r.mean == 0) CHECK(std::fabs(m.mean) < 1e-15);
    else check_digits(m.mean, r.mean, r.mean == 0.0499376169 ? 9 : 11);
    check_digits(m.second_moment, r.second, 11);
    check_digits(m.derivative_second_moment, r.derivative, 11);
    CHECK(m.error_estimate < 1e-9);
  }
  // gain^2 and cond columns.
  check_digits(at("tanh").forward_gain2(), 2.53617543322, 11);
  check_digits(at("tanh").backward_condition(), 1.17780723230, 11);
  check_digits(at("sigmoid").forward_gain2(), 3.40855984162, 11);
  check_digits(at("sigmoid").backward_condition(), 0.152827011716, 11);
  check_digits(at("gelu").forward_gain2(), 2.35171561407, 11);
  check_digits(at("silu").backward_condition(), 1.06663424124, 11);
  check_digits(at("elu").forward_gain2(), 1.5505188080679277, 11);  // the official SIREN repo's ELU constant
  check_digits(at("gaussian:0.05").forward_gain2(), std::sqrt(801.0), 11);
  check_digits(at("gaussian:0.05").backward_condition(), 160000.0 / 801, 11);
  check_digits(at("sine:30").backward_condition(), 900, 11);
  // Callables: with their derivative, or by central differences (about 10 digits).
  const auto sp = nninit::moments_of(softplus, [](double z) { return 1 / (1 + std::exp(-z)); }, 1.0);
  check_digits(sp.mean, 0.806059183347, 11);
  check_digits(sp.second_moment, 0.921245908859, 11);
  check_digits(sp.derivative_second_moment, 0.293379035858, 11);
  const auto si = nninit::moments_of(sinc, 1.0);
  check_digits(si.mean, 0.855624391892, 11);
  check_digits(si.second_moment, 0.763955654941, 11);
  check_digits(si.derivative_second_moment, 0.0654293377742, 9);
  const auto wv = nninit::moments_of(wavelet, 1.0);
  check_digits(wv.second_moment, 0.373494916712, 11);
  check_digits(wv.derivative_second_moment, 0.516407206361, 9);
}

TEST_CASE("moments: other sigmas, closed forms, and which method each case needs") {
  check_digits(at("tanh", 0.5).second_moment, 0.173516143432, 11);
  check_digits(at("tanh", 2).second_moment, 0.635261234257, 11);
  check_digits(at("gelu", 0.5).second_moment, 0.0835067237933, 10);
  check_digits(at("gelu", 2).second_moment, 1.92986501586, 11);
  check_digits(at("silu", 0.5).second_moment, 0.0722491242099, 11);
  check_digits(at("silu", 2).second_moment, 1.75788986668, 11);
  check_digits(at("sigmoid", 0.5).second_moment, 0.263955577560, 11);
  check_digits(at("sigmoid", 2).second_moment, 0.348573622599, 11);
  // sin(w z): E f^2 = (1 - e^{-2 w^2 s^2}) / 2, E f'^2 = w^2 (1 + e^{-2 w^2 s^2}) / 2.
  for (double w : {1.0, 5.0, 30.0, 100.0})
    for (double s : {0.003, 0.03, 0.3, 1.0, 3.0}) {
      CAPTURE(w);
      CAPTURE(s);
      const auto m = nninit::moments_of(activation(nninit::activation_kind::sine, w), s);
      const double e = std::exp(-2 * w * w * s * s);
      check_digits(m.second_moment, -std::expm1(-2 * w * w * s * s) / 2, 10);
      check_digits(m.derivative_second_moment, w * w * (1 + e) / 2, 10);
    }
  // exp(-z^2 / (2 a^2)), t = s^2 / a^2: E f = (1+t)^-1/2, E f^2 = (1+2t)^-1/2, E f'^2 = t / (a^2 (1+2t)^3/2).
  for (double a : {0.01, 0.05, 1.0, 4.0})
    for (double s : {0.1, 1.0, 10.0}) {
      CAPTURE(a);
      CAPTURE(s);
      const auto m = nninit::moments_of(activation(nninit::activation_kind::gaussian, a), s);
      const double t = s * s / (a * a);
      check_digits(m.mean, 1 / std::sqrt(1 + t), 10);
      check_digits(m.second_moment, 1 / std::sqrt(1 + 2 * t), 10);
      check_digits(m.derivative_second_moment, t / (a * a * std::pow(1 + 2 * t, 1.5)), 10);
    }
  // variance.md 11: Gauss-Hermite breaks on narrow bumps, kinks and fast sines; smooth ones keep it.
  CHECK(at("tanh").method == nninit::quadrature_method::gauss_hermite);
  CHECK(at("gelu").method == nninit::quadrature_method::gauss_hermite);
  CHECK(at("gaussian:0.05").method == nninit::quadrature_method::adaptive);
  CHECK(at("relu").method == nninit::quadrature_method::adaptive);
  CHECK(at("sine:30", 3).method == nninit::quadrature_method::adaptive);
  CHECK_THROWS_WITH_AS(at("tanh", 0), "nninit::activation_moments: sigma must be finite and > 0, got 0", nninit::init_error);
  CHECK_THROWS_WITH_AS(at("tanh", std::nan("")), "nninit::activation_moments: sigma must be finite and > 0, got nan",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::moments_of([](double z) { return 1 / z; }, 1.0), doctest::Contains("non-finite moment"),
                       nninit::init_error);
}

TEST_CASE("moments: the variance map's slope E[z f f'] / E[f^2] equals finite differences of the quadrature") {
  // d log E[f^2] / d log s^2 by central differences in log s (h = 1e-4: error ~1e-9).
  const double h = 1e-4;
  for (const char* name : {"tanh", "sigmoid", "elu", "gelu", "silu", "sine:1", "gaussian:1", "selu", "relu", "sine:30"})
    for (double s : {0.3, 1.0, 2.5}) {
      CAPTURE(name);
      CAPTURE(s);
      const double fd = (std::log(at(name, s * std::exp(h)).second_moment) - std::log(at(name, s * std::exp(-h)).second_moment)) / (4 * h);
      CHECK(std::fabs(at(name, s).fixed_point_slope() - fd) < 1e-7);
    }
  // The figures at sigma_p = 1: stable, stable, stable, neutral, unstable, unstable.
  CHECK(at("tanh").fixed_point_slope() == doctest::Approx(0.461070830478).epsilon(1e-9));
  CHECK(at("sigmoid").fixed_point_slope() == doctest::Approx(0.106341074741).epsilon(1e-9));
  CHECK(at("elu").fixed_point_slope() == doctest::Approx(0.890967971856).epsilon(1e-9));
  CHECK(at("relu").fixed_point_slope() == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(at("gelu").fixed_point_slope() == doctest::Approx(1.14406319687).epsilon(1e-9));
  CHECK(at("silu").fixed_point_slope() == doctest::Approx(1.1725940541).epsilon(1e-9));
}

TEST_CASE("calculate_gain: any activation, forward and backward conventions") {
  using nninit::gain_convention;
  CHECK(nninit::calculate_gain(activation::parse("relu")) == doctest::Approx(std::sqrt(2.0)).epsilon(1e-14));
  CHECK(nninit::calculate_gain(activation::parse("relu"), gain_convention::backward) == doctest::Approx(std::sqrt(2.0)).epsilon(1e-14));
  CHECK(nninit::calculate_gain(activation::parse("linear")) == doctest::Approx(1.0).epsilon(1e-14));
  check_digits(nninit::calculate_gain(activation::parse("tanh")), 1 / std::sqrt(0.394294490398), 11);
  check_digits(nninit::calculate_gain(activation::parse("tanh"), gain_convention::backward), 1 / std::sqrt(0.464402902448), 11);
  check_digits(nninit::calculate_gain(activation::parse("gelu")), std::sqrt(2.35171561407), 11);
  check_digits(nninit::calculate_gain(activation::parse("sine:30")), std::sqrt(2.0), 12);
  check_digits(nninit::calculate_gain(activation::parse("sine:30"), gain_convention::backward), 1 / std::sqrt(450.0), 11);
  // At sigma the forward gain is sigma / sqrt(E[f^2]): VI3NR's gain at sigma_p.
  check_digits(nninit::calculate_gain(activation::parse("tanh"), gain_convention::forward, 0.5), std::sqrt(0.25 / 0.173516143432), 11);
}

TEST_CASE("propagation: fixed points, their stability, neutral and drifting maps") {
  using kind = nninit::variance_propagation::kind;
  const auto relu = activation::parse("relu");
  CHECK(nninit::propagation_of(relu, 2.0).state == kind::neutral);
  CHECK(nninit::propagation_of(relu, 2.0).slope == 1);
  CHECK(nninit::propagation_of(relu, 1.0).state == kind::decays);  // Xavier on relu: 2^-L
  CHECK(nninit::propagation_of(relu, 3.0).state == kind::grows);
  // Xavier (c = 1) on tanh, gelu, silu: tanh^2 < z^2, so no fixed point above 0.
  for (const char* name : {"tanh", "gelu", "silu"}) CHECK(nninit::propagation_of(activation::parse(name), 1.0).verdict() == "decays");
  // VI3NR's c puts the fixed point at sigma_p: stable for tanh, unstable for gelu and silu.
  const auto tanh_map = nninit::propagation_of(activation::parse("tanh"), 2.53617543322);
  CHECK(tanh_map.verdict() == "stable");
  CHECK(tanh_map.fixed_point_std == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(tanh_map.gradient_growth == doctest::Approx(1.17780723230).epsilon(1e-9));
  const auto gelu_map = nninit::propagation_of(activation::parse("gelu"), 2.35171561407);
  CHECK(gelu_map.verdict() == "unstable");
  CHECK(gelu_map.fixed_point_std == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(gelu_map.slope == doctest::Approx(1.14406319687).epsilon(1e-6));
  // Kumar's sigmoid variance 12.8 / N settles at Var z = 4.534976095, not the linearised 16.
  const auto sig = nninit::propagation_of(activation::parse("sigmoid"), 12.8);
  CHECK(sig.verdict() == "stable");
  check_digits(sig.fixed_point_std * sig.fixed_point_std, 4.534976095, 9);
  CHECK_THROWS_WITH_AS(nninit::propagation_of(relu, 0.0), "nninit::variance_propagation: weight_scale must be finite and > 0, got 0",
                       nninit::init_error);
}

TEST_CASE("vi3nr: forward gains of the toy script's activations, and their plans") {
  const nninit::shape s{512, 512};
  struct row {
    const char* act;
    double gain2, cond;
  };
  for (const row& r : std::vector<row>{{"tanh", 2.53617543322, 1.17780723230},
                                       {"sigmoid", 3.40855984162, 0.152827011716},
                                       {"relu", 2, 1},
                                       {"sine:30", 2, 900},
                                       {"gaussian:0.05", 28.3019433962, 199.750312110}}) {
    CAPTURE(r.act);
    const nninit::plan p = describe("vi3nr", {{"activation", r.act}}, s);
    check_digits(p.gain * p.gain, r.gain2, 11);
    check_digits(p.std, std::sqrt(r.gain2 / 512), 11);
    check_digits(p.gradient_growth, r.cond, 10);
    CHECK(p.fixed_point_std == 1.0);
    CHECK(p.value == 1.0);
    CHECK(p.dist == nninit::distribution::normal);
  }
  // Uniform: bound = gain sqrt(3 / fan_in) (vi3nr_uniform_); truncated normal keeps the variance.
  const nninit::plan u = describe("vi3nr", {{"activation", "tanh"}, {"distribution", "uniform"}}, {256, 128});
  check_digits(u.bound, std::sqrt(2.53617543322 * 3 / 128), 11);
  check_digits(u.output_std, std::sqrt(2.53617543322 / 128), 11);
  // The backward growth is cond * fan_out / fan_in on a tapered layer.
  check_digits(u.gradient_growth, 1.17780723230 * 2, 10);
  // sigma_p = 0.1 (the toy script's oursB-tanh): gain^2 1.01983905607, cond 1.000126.
  const nninit::plan t = describe("vi3nr", {{"activation", "tanh"}, {"sigma_p", "0.1"}}, s);
  check_digits(t.gain * t.gain, 1.01983905607, 11);
  CHECK(t.gradient_growth == doctest::Approx(1.000126).epsilon(1e-6));
  const nninit::plan sg = describe("vi3nr", {{"activation", "sigmoid"}, {"sigma_p", "6.8"}}, s);
  check_digits(sg.gain * sg.gain, 104.313668941, 11);
  // SIREN is VI3NR for sine at u* = 1 - e^{-2u*}: sigma_p = 0.0297547779547 gives 2 / (w0^2 fan_in).
  const nninit::plan sir = describe("vi3nr", {{"activation", "sine:30"}, {"sigma_p", "0.0297547779547"}}, s);
  check_digits(sir.std * sir.std * 512, 2.0 / 900, 10);
  const nninit::plan third = describe("vi3nr", {{"activation", "sine:30"}, {"sigma_p", "0.0333333333333333333"}}, s);
  check_digits(third.std * third.std * 512 / (2.0 / 900), 1.15651764275, 10);
  // Gaussian closed form: sigma* = a sqrt(1 + sqrt 2), gain^2 = a^2 (3 + 2 sqrt 2).
  const nninit::plan g = describe("vi3nr", {{"activation", "gaussian:0.05"}, {"solve_backward", "true"}}, s);
  check_digits(g.value, 0.05 * std::sqrt(1 + std::sqrt(2.0)), 11);
  check_digits(g.gain * g.gain, 0.0025 * (3 + 2 * std::sqrt(2.0)), 10);
  CHECK(g.note.empty());
  CHECK(g.gradient_growth == doctest::Approx(1.0).epsilon(1e-10));
}

TEST_CASE("vi3nr: the backward condition's root, or the reported best point when there is none") {
  const auto sig = nninit::vi3nr_solve_backward(activation::parse("sigmoid"));
  CHECK(sig.root);
  check_digits(sig.sigma_p, 6.75457458301, 11);
  check_digits(nninit::moments_of(activation::parse("sigmoid"), sig.sigma_p).forward_gain2(), 103.007553856, 10);
  const auto g = nninit::vi3nr_solve_backward(activation::parse("gaussian:0.05"));
  CHECK(g.root);
  check_digits(g.sigma_p, 0.0776886987015, 11);
  // cond > 1 everywhere, -> 1 only as sigma_p -> 0: the best point is the lower end, flagged.
  for (const char* name : {"tanh", "sine:30", "gelu", "silu", "elu"}) {
    CAPTURE(name);
    const auto b = nninit::vi3nr_solve_backward(activation::parse(name));
    CHECK_FALSE(b.root);
    CHECK(b.at_boundary);
    CHECK(b.sigma_p == doctest::Approx(1e-3).epsilon(1e-12));
    CHECK(b.condition > 1);
    CHECK(b.condition < 1.000001);
  }
  const auto relu = nninit::vi3nr_solve_backward(activation::parse("relu"));
  CHECK(relu.root);
  CHECK(relu.sigma_p == 1);
  CHECK_FALSE(nninit::vi3nr_solve_backward(activation::parse("relu"), 2.0).root);  // cond = 2 everywhere
  const nninit::plan p = describe("vi3nr", {{"activation", "tanh"}, {"solve_backward", "true"}}, {64, 64});
  CHECK(p.note == "backward condition: no root for sigma_p in [0.001, 10]; best at the boundary sigma_p = 0.001, cond - 1 = 1.33e-12");
  CHECK(p.value == doctest::Approx(1e-3).epsilon(1e-12));
}

TEST_CASE("vi3nr: first layer from the data's moments, and sampled values with the planned std") {
  // Coordinates uniform on [-1, 1] (the default): gain^2 = 3 sigma_p^2.
  const nninit::plan first = describe("vi3nr", {{"activation", "sine:30"}, {"first_layer", "true"}, {"sigma_p", "0.5"}}, {256, 2});
  check_digits(first.gain * first.gain, 3 * 0.25, 14);
  const nninit::plan data = describe("vi3nr", {{"first_layer", "true"}, {"data_mean", "0.5"}, {"data_std", "2"}}, {256, 3});
  check_digits(data.gain * data.gain, 1 / 4.25, 14);
  Eigen::MatrixXd x(2, 3);
  x << 1, 2, 3, 4, 5, 6;
  const nninit::data_moments m = nninit::vi3nr_data_moments(x);
  CHECK(m.mean == 3.5);
  CHECK(m.std == doctest::Approx(std::sqrt(3.5)).epsilon(1e-15));  // unbiased, as torch.std
  Eigen::MatrixXf bad = Eigen::MatrixXf::Ones(2, 2);
  bad(1, 1) = std::nanf("");
  CHECK_THROWS_WITH_AS(nninit::vi3nr_data_moments(bad), "nninit::vi3nr: data must be finite, got a NaN or infinite entry, for a 2x2 data target",
                       nninit::init_error);
  // Sampled: the variance of 2^18 draws within 5 sigma of the sampling error.
  Eigen::MatrixXf w(512, 512);
  nninit::vi3nr(w, nninit::engine(7), activation::parse("tanh"));
  const auto mom = test::moments_of(test::values(w));
  test::check_mean(mom, 0, std::sqrt(2.53617543322 / 512));
  test::check_variance(mom, std::sqrt(2.53617543322 / 512));
}

TEST_CASE("kumar: g'(0) and g(0) of each activation, and where the true map settles") {
  const nninit::shape s{100, 256};
  auto var = [&](const char* act) {
    const nninit::plan p = describe("kumar", {{"activation", act}}, s);
    return p.std * p.std * 256;
  };
  CHECK(var("sigmoid") == doctest::Approx(12.8).epsilon(1e-14));
  CHECK(var("tanh") == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(var("gelu") == doctest::Approx(4.0).epsilon(1e-14));
  CHECK(var("silu") == doctest::Approx(4.0).epsilon(1e-14));
  CHECK(var("elu") == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(var("sine:30") == doctest::Approx(1.0 / 900).epsilon(1e-14));
  CHECK(var("relu") == doctest::Approx(2.0).epsilon(1e-14));
  CHECK(var("leaky_relu:0.2") == doctest::Approx(2 / 1.04).epsilon(1e-14));
  const nninit::plan sig = describe("kumar", {{"activation", "sigmoid"}}, {512, 512});
  check_digits(sig.std * std::sqrt(512.0), 3.577708764, 9);
  check_digits(sig.fixed_point_std * sig.fixed_point_std, 4.534976095, 9);
  CHECK(sig.fixed_point_slope < 1);
  // tanh under 1/N: no fixed point above 0 (it decays slowly), said in the note.
  CHECK(describe("kumar", {{"activation", "tanh"}}, s).propagation == "decays");
  CHECK(sig.propagation == "stable");
  CHECK(describe("vi3nr", {{"activation", "gelu"}}, s).propagation == "unstable");
  CHECK(describe("vi3nr", {{"activation", "relu"}}, s).propagation == "neutral");
  // Any fan-based plan, given the activation after it: Xavier on tanh decays, He on relu is neutral.
  const nninit::plan xavier = nninit::with_propagation(describe("xavier_normal", {}, {512, 512}), activation::parse("tanh"));
  CHECK(xavier.propagation == "decays");
  const nninit::plan he = nninit::with_propagation(describe("kaiming_normal", {}, {512, 512}), activation::parse("relu"));
  CHECK(he.propagation == "neutral");
  CHECK(he.gradient_growth == doctest::Approx(1.0).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(nninit::with_propagation(describe("orthogonal", {}, {4, 4}), activation::parse("tanh")),
                       "nninit::variance_propagation: the plan of orthogonal must be one with fans and an output std (a "
                       "fan-based scheme), got no output std, for a 4x4 target",
                       nninit::init_error);
}

TEST_CASE("maxout: M_K by quadrature, the code's constants, and its examples") {
  const std::vector<std::pair<idx, double>> table = {{2, 1},           {3, 1.275664448}, {4, 1.551328895}, {5, 1.800020436},
                                                     {6, 2.021739069}, {8, 2.399534975}, {10, 2.712103790}, {20, 3.763159715}};
  for (const auto& row : table) {
    const idx k = row.first;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
    CAPTURE(k);
    check_digits(nninit::maxout_second_moment(k), row.second, 9);
  }
  check_digits(nninit::maxout_second_moment(3), 1 + std::sqrt(3.0) / (2 * M_PI), 13);
  check_digits(nninit::maxout_second_moment(4), 1 + std::sqrt(3.0) / M_PI, 13);
  check_digits(describe("maxout", {{"pieces", "3"}}, {64, 256}).std, 0.0553365, 6);
  check_digits(describe("maxout", {{"pieces", "5"}}, {64, 64, 3, 3}).std, std::sqrt(0.5555492482 / 576), 9);
  check_digits(describe("maxout", {{"pieces", "5"}, {"pool", "4"}}, {64, 64, 3, 3}).value, 0.2657341372, 9);
  CHECK(describe("maxout", {}, {10, 16}).std == doctest::Approx(0.25).epsilon(1e-14));  // K = 2: c = 1, LeCun
}

TEST_CASE("small_init: std or variance = width^-gamma") {
  CHECK(describe("small_init", {}, {50, 50}).std == doctest::Approx(1.0 / 2500).epsilon(1e-15));
  CHECK(describe("small_init", {{"gamma", "4"}, {"width", "50"}}, {50, 5}).std == doctest::Approx(std::pow(50.0, -4)).epsilon(1e-15));
  CHECK(describe("small_init", {{"convention", "variance"}, {"gamma", "1"}}, {10, 1000}).std ==
        doctest::Approx(1 / std::sqrt(1000.0)).epsilon(1e-15));
  const nninit::plan p = describe("small_init", {{"gamma", "1"}, {"width", "1000"}}, {1000, 1});
  CHECK(p.std == doctest::Approx(1e-3).epsilon(1e-15));
  CHECK(p.value == 1000);
}
