// The translation unit clang-tidy and cppcheck read (tests/lint/lint.cmake): every public header,
// with the templates instantiated that users instantiate, so that the checks see the code the
// library really compiles (a check inside an uninstantiated template sees almost nothing).
// C++17, as the headers promise. Built and run by nothing else. Eigen's BDCSVD is left out
// (extern, nninit/compile_once.hpp): the checks report nothing in Eigen, and its body was a large
// part of what they read.
#define NNINIT_EXTERN_SVD
#include <nninit/nninit.hpp>
#include <nninit/checkpoint.hpp>
#include <nninit/hf_models.hpp>
#include <nninit/tensor.hpp>
#include <nninit/harness/dataset.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/neighbours.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/harness/signal.hpp>
#include <nninit/harness/train.hpp>
#include <nninit/harness/transformer_signal.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Every registered scheme through the registry, into each kind of target the library accepts.
void every_scheme_every_target() {
  const nninit::engine eng(1, 2);
  nninit::torch_generator gen(3);
  const nninit::shape conv{8, 4, 3, 3};
  for (const nninit::scheme_info& info : nninit::list_schemes()) {
    nninit::initializer init(info.name);
    if (init.takes_data()) init.set_data(std::make_shared<const Eigen::MatrixXd>(Eigen::MatrixXd::Ones(4, 36)));
    Eigen::MatrixXf f(8, 36);
    Eigen::MatrixXd d(8, 36);
    row_major r(8, 36);
    Eigen::Matrix<Eigen::half, Eigen::Dynamic, Eigen::Dynamic> h(8, 36);
    Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic> b(8, 36);
    std::vector<float> buffer(std::size_t{8} * 36);
    Eigen::Map<row_major> map(buffer.data(), 8, 36);
    init.fill(f, eng, conv);
    init.fill(d, eng, conv, nninit::parallel{2});
    init.fill(r.block(0, 0, 8, 18), eng);
    init.fill(h, eng, conv);
    init.fill(b, eng, conv);
    init.fill(map, eng, conv);
    init.fill(f.array(), eng, conv);
    const nninit::distribution dist = init.describe(conv).dist;
    if (dist == nninit::distribution::uniform || dist == nninit::distribution::normal) init.fill(f, gen, conv);
  }
}

// Conv tensors in both layouts, and a TensorMap over a foreign buffer.
void tensors() {
  const nninit::engine eng(4);
  Eigen::Tensor<float, 4, Eigen::RowMajor> oihw(8, 4, 3, 3);
  Eigen::Tensor<double, 4> hwio(3, 3, 4, 8);
  nninit::kaiming_normal(oihw, eng);
  nninit::scheme::xavier_uniform{}(hwio, eng, nninit::shape{}.with_layout(nninit::layout::in_out), nninit::parallel{2});
  nninit::scheme::orthogonal{}(oihw, eng, nninit::shape{});
  std::vector<float> buffer(std::size_t{8} * 4 * 3 * 3);
  Eigen::TensorMap<Eigen::Tensor<float, 4, Eigen::RowMajor>> mapped(buffer.data(), 8, 4, 3, 3);
  nninit::scheme::trunc_normal{}(mapped, eng, nninit::shape{});
}

void whole_model() {
  row_major q(64, 32);
  Eigen::MatrixXd o(32, 64);
  Eigen::VectorXf bias(32);
  nninit::init_model({{"q.weight", {}, nninit::initializer("kaiming_normal"), q},
                      {"o.weight", {128, 64}, nninit::initializer("orthogonal"), o},
                      {"o.bias", {32}, nninit::initializer("zeros"), bias}},
                     7);
}

template <class T>
void harness() {
  namespace h = nninit::harness;
  h::mlp_config c;
  c.inputs = 12, c.width = 16, c.depth = 3, c.outputs = 10, c.bias = true;
  h::mlp<T> net(c);
  h::initialize(net, nninit::initializer("kaiming_normal"), nninit::engine(1));
  h::signal_options opt;
  opt.batch = 8;
  (void)h::measure_signal(net, opt, nninit::engine(2));
  h::resnet_config rc;
  rc.height = rc.width = 8, rc.base_width = 4, rc.stages = 2, rc.scalar_params = true;
  h::resnet<T> res(rc);
  h::initialize(res, nninit::initializer("fixup"), nninit::engine(3));
  (void)h::measure_signal(res, opt, nninit::engine(4));
  for (const auto norm : {h::norm_kind::batch, h::norm_kind::layer, h::norm_kind::rms}) {
    c.norm = rc.norm = norm;
    h::mlp<T> normed(c);
    h::initialize(normed, nninit::initializer("kaiming_normal"), nninit::engine(5));
    (void)h::measure_signal(normed, opt, nninit::engine(6));
    rc.scalar_params = false, rc.branch_multiplier = true;
    h::resnet<T> normed_res(rc);
    h::initialize(normed_res, nninit::initializer("kaiming_normal"), nninit::engine(7));
    (void)h::measure_signal(normed_res, opt, nninit::engine(8));
  }
  h::vit_config vc;
  vc.stack.blocks = 2, vc.stack.width = 8, vc.stack.heads = 2, vc.stack.ffn_width = 8, vc.stack.packed_qkv = true;
  vc.side = 8, vc.patch = 4;
  h::vit<T> vit(vc);
  h::initialize(vit, nninit::initializer("torch_default"), nninit::engine(9));
  h::transformer_signal tokens;
  opt.at_batch = [&] { tokens = h::measure_tokens(vit); };
  (void)h::measure_signal(vit, h::matrix<T>::Zero(64, 4).eval(), opt, nninit::engine(10));
  h::lm_config lc;
  lc.stack = vc.stack, lc.stack.form = h::block_form::post_norm, lc.tied = true, lc.vocabulary = 5, lc.context = 4;
  h::char_lm<T> lm(lc);
  h::initialize(lm, nninit::initializer("kaiming_normal"), nninit::engine(11));
  opt.at_batch = [&] { tokens = h::measure_tokens(lm); };
  (void)h::measure_signal(lm, h::matrix<T>::Zero(1, 8).eval(), opt, nninit::engine(12));
}

void training() {
  namespace h = nninit::harness;
  const h::dataset data = h::synthetic_task(100, 20, 5);
  h::mlp_config c;
  c.inputs = data.train_x.rows(), c.width = 16, c.depth = 2, c.outputs = data.classes;
  h::mlp<float> net(c);
  h::initialize(net, nninit::initializer("xavier_uniform"), nninit::engine(1));
  h::train_options opt;
  opt.batch = 10;
  (void)h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine(2));
}

// A seed checkpoint of a small llama, rank 1 of 2, every storage type through the writer.
void checkpoint() {
  nninit::hf_config c;
  c.model_type = "llama";
  c.vocab_size = 32, c.hidden_size = 16, c.layers = 1, c.heads = 2, c.intermediate_size = 24;
  for (const auto type : {nninit::storage_type::float32, nninit::storage_type::bfloat16, nninit::storage_type::float16,
                          nninit::storage_type::float64}) {
    nninit::checkpoint_options o;
    o.tp = {2, 1};
    (void)nninit::write_checkpoint("/tmp", nninit::hf_model_tensors(c, type, nullptr, 2), o);
  }
}

}  // namespace

int main() {
  try {
    every_scheme_every_target();
    tensors();
    whole_model();
    harness<float>();
    harness<double>();
    training();
    checkpoint();
  } catch (const std::exception& e) {
    (void)std::fputs(e.what(), stderr);
    return 1;
  }
  return 0;
}
