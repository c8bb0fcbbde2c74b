// Gradient checking for the harness's models: backward's gradients against central differences.
#pragma once

#include <nninit/harness/network.hpp>
#include <nninit/normal.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace test {

using mat = nninit::harness::matrix<double>;

struct grad_report {
  double worst = 0;   // max |analytic - numeric| / (|analytic| + |numeric| + floor)
  std::string where;
  nninit::index checked = 0;
};

/// loss = sum(output .* R); every parameter entry and every input entry (unless the input is
/// not differentiable, token ids: with_input = false) against a central
/// difference with step 1e-6. The floor of the relative error, 1e-3 (times the largest gradient of
/// the same matrix when that is above 1), keeps the difference quotient's round-off (~1e-16 times
/// the loss's partial sums / step, ~1e-10) out of the smallest entries; a wrong entry is still
/// off by its own size.
inline grad_report check_gradients(nninit::harness::network<double>& net, const mat& x, bool with_input = true) {
  mat r(net.output_size(), x.cols());
  nninit::normal(r, nninit::engine{99, 1});
  const auto loss = [&](const mat& in) { return net.forward(in).cwiseProduct(r).sum(); };
  net.forward(x);
  const mat dx = net.backward(r);
  auto params = net.parameters();
  std::vector<mat> grads;
  for (auto& p : params) grads.push_back(*p.grad);
  constexpr double step = 1e-6;
  grad_report rep;
  const auto compare = [&](const std::string& name, nninit::index k, double analytic, double numeric, double scale) {
    const double floor = 1e-3 * std::max(1.0, scale);
    const double err = std::abs(analytic - numeric) / (std::abs(analytic) + std::abs(numeric) + floor);
    ++rep.checked;
    if (err > rep.worst) {
      rep.worst = err;
      rep.where = name + "[" + std::to_string(k) + "] analytic " + std::to_string(analytic) + " numeric " +
                  std::to_string(numeric);
    }
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    mat& v = *params[i].value;
    REQUIRE(grads[i].rows() == v.rows());
    REQUIRE(grads[i].cols() == v.cols());
    const double scale = grads[i].cwiseAbs().maxCoeff();
    for (nninit::index k = 0; k < v.size(); ++k) {
      const double keep = v.data()[k];
      v.data()[k] = keep + step;
      const double up = loss(x);
      v.data()[k] = keep - step;
      const double down = loss(x);
      v.data()[k] = keep;
      compare(params[i].name, k, grads[i].data()[k], (up - down) / (2 * step), scale);
    }
  }
  const double scale = dx.cwiseAbs().maxCoeff();
  mat xp = x;
  for (nninit::index k = 0; with_input && k < x.size(); ++k) {
    xp.data()[k] = x.data()[k] + step;
    const double up = loss(xp);
    xp.data()[k] = x.data()[k] - step;
    const double down = loss(xp);
    xp.data()[k] = x.data()[k];
    compare("input", k, dx.data()[k], (up - down) / (2 * step), scale);
  }
  net.forward(x);  // leave the caches of x
  return rep;
}

}  // namespace test
