// SkipInit, ReZero and zero-gamma in the harness's residual networks: every block starts as the
// identity (the branch multiplied by 0, or its last norm's gain 0), the multiplier is the only
// branch parameter with a gradient at the first step (De & Smith 2020; data_dependent.md §B3),
// and the branch weights move from the second step on.
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/optimizer.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/normal.hpp>

#include <string>

#include "test_util.hpp"

namespace h = nninit::harness;

namespace residual_rules_test {

using dmat = h::matrix<double>;

dmat inputs(nninit::index rows, nninit::index cols) {
  dmat x(rows, cols);
  nninit::normal(x, nninit::engine{12, 4});
  return x;
}

/// The network's output when every block is the identity: the stem (if any), then act after act.
template <class Net>
void check_identity_start(Net& net, const dmat& x, const dmat& stem_out) {
  const dmat y = net.forward(x);
  CHECK((y - stem_out).cwiseAbs().maxCoeff() < 1e-12);
}

}  // namespace residual_rules_test

using namespace residual_rules_test;

TEST_CASE("skipinit and rezero: every block of a residual MLP starts as the identity, only the multipliers learn at step 1") {
  for (const char* scheme : {"skipinit", "rezero"}) {
    CAPTURE(scheme);
    const nninit::initializer init(scheme);
    h::resmlp_config c;
    c.inputs = 10, c.width = 12, c.blocks = 6, c.bias = true;
    c.branch_multiplier = init.residual_parameters().multiplier;
    REQUIRE(c.branch_multiplier);
    h::resmlp<double> net(c);
    h::initialize(net, init, nninit::engine{7});
    const dmat x = inputs(10, 16);
    // The stem's activation passes through unchanged: relu(relu(h)) = relu(h).
    net.forward(x);
    const dmat stem = net.probes().front().pre_activation->cwiseMax(0.0);
    check_identity_start(net, x, stem);
    dmat g = inputs(12, 16);
    net.backward(g);
    h::optimizer<double> sgd(net.parameters(), h::optimizer_options{});
    for (const auto& p : net.parameters()) {
      CAPTURE(p.name);
      if (p.kind == nninit::parameter_kind::multiplier) {
        CHECK((*p.value)(0, 0) == 0);
        CHECK(std::abs((*p.grad)(0, 0)) > 0);  // d alpha = sum dy F(x)
      } else if (p.block >= 0) {
        CHECK(p.grad->isZero());  // behind alpha = 0
      }
    }
    sgd.step(0.1);
    net.forward(x);
    net.backward(g);
    for (const auto& p : net.parameters())
      if (p.block >= 0 && p.kind == nninit::parameter_kind::weight) CHECK_FALSE(p.grad->isZero());
  }
}

TEST_CASE("zero_gamma: with batch norm, each block's last norm gain is 0, so blocks start as the identity") {
  const nninit::initializer init("zero_gamma");
  h::resmlp_config c;
  c.inputs = 10, c.width = 12, c.blocks = 4, c.bias = true, c.norm = h::norm_kind::batch;
  h::resmlp<double> net(c);
  h::initialize(net, init, nninit::engine{8});
  int zero_gains = 0;
  for (const auto& p : net.parameters())
    if (p.kind == nninit::parameter_kind::norm_gain) {
      const bool last = p.role == nninit::layer_role::branch_last;
      CHECK((*p.value)(0, 0) == (last ? 0.0 : 1.0));
      zero_gains += last;
    }
  CHECK(zero_gains == 4);
  const dmat x = inputs(10, 16);
  net.forward(x);
  const dmat stem = net.probes().front().pre_activation->cwiseMax(0.0);
  check_identity_start(net, x, stem);

  h::resnet_config rc;
  rc.channels = 1, rc.height = rc.width = 6, rc.base_width = 2, rc.stages = 2, rc.classes = 3, rc.norm = h::norm_kind::batch;
  h::resnet<double> res(rc);
  h::initialize(res, init, nninit::engine{9});
  for (const auto& p : res.parameters())
    if (p.kind == nninit::parameter_kind::norm_gain) CHECK((*p.value)(0, 0) == (p.role == nninit::layer_role::branch_last ? 0.0 : 1.0));
}
