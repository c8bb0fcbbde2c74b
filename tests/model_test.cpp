// init_model, tensor_engine, stream_of (model.hpp): a whole model in one call. The invariances
// are the point: a tensor's values depend on (seed, name, shape, scheme, place) only, so shards
// gathered, thread counts, list order and other tensors' names change no bit.
#include <doctest/doctest.h>
#include <nninit/model.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace model_test {

using idx = nninit::index;
template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using buffer_map = Eigen::Map<row_major<T>>;

/// A tensor of a model without its storage.
struct spec {
  std::string name;
  nninit::shape shape;
  nninit::initializer scheme;
};

nninit::initializer scheme_with(const char* name, std::vector<std::pair<const char*, const char*>> options = {}) {
  nninit::initializer init(name);
  for (const auto& [k, v] : options) init.set(k, v);
  return init;
}

/// A small language-and-vision model: an embedding, Linear weights with PyTorch's default, a
/// conv kernel (a 32x27 view), a 1-D bias and a 1-D norm weight.
std::vector<spec> small_model() {
  return {{"tok_embeddings.weight", {1000, 64}, scheme_with("normal", {{"std", "0.02"}})},
          {"layers.0.attention.wq.weight", {64, 64}, scheme_with("torch_default")},
          {"layers.0.feed_forward.w1.weight", {256, 64}, scheme_with("torch_default")},
          {"layers.0.feed_forward.w2.weight", {64, 256}, scheme_with("torch_default")},
          {"stem.conv.weight", {32, 3, 3, 3}, scheme_with("kaiming_normal")},
          {"output.bias", {64}, scheme_with("uniform", {{"a", "-0.125"}, {"b", "0.125"}})},
          {"norm.weight", {64}, scheme_with("ones")}};
}

/// A model's storage: one row-major buffer per tensor, as a framework would hand it over,
/// filled with a NaN sentinel so that an unwritten element shows.
template <class T>
struct storage {
  std::vector<std::vector<T>> data;
  std::vector<idx> rows, cols;

  explicit storage(const std::vector<spec>& model) {
    for (const auto& s : model) add(s.shape.rows(), s.shape.cols());
  }
  storage() = default;
  void add(idx r, idx c) {
    data.emplace_back(static_cast<std::size_t>(r * c), std::numeric_limits<T>::quiet_NaN());
    rows.push_back(r);
    cols.push_back(c);
  }
  buffer_map<T> map(std::size_t i) { return buffer_map<T>(data[i].data(), rows[i], cols[i]); }
  Eigen::Map<const row_major<T>> map(std::size_t i) const {
    return Eigen::Map<const row_major<T>>(data[i].data(), rows[i], cols[i]);
  }
  bool untouched() const {
    for (const auto& d : data)
      for (T v : d)
        if (!std::isnan(v)) return false;
    return true;
  }
};

/// The model's whole tensors bound to `st`.
template <class T>
std::vector<nninit::tensor_init> bound(const std::vector<spec>& model, storage<T>& st) {
  std::vector<nninit::tensor_init> out;
  for (std::size_t i = 0; i < model.size(); ++i)
    out.push_back({model[i].name, model[i].shape, model[i].scheme, st.map(i)});
  return out;
}

/// scheme.fill on one buffer, through the Map type init_model uses (tensor_target::map), so the
/// test instantiates no scheme for a further target type (the unit tests are one unity TU).
template <class T>
void fill_directly(const nninit::initializer& scheme, buffer_map<T> target, const nninit::engine& eng,
                   const nninit::shape& s) {
  nninit::tensor_target(target).visit([&](auto m) { scheme.fill(std::move(m), eng, s); });
}

template <class T>
storage<T> init_whole(const std::vector<spec>& model, std::uint64_t seed, const nninit::parallel& par = {}) {
  storage<T> st(model);
  nninit::init_model(bound(model, st), seed, par);
  return st;
}

/// Byte-for-byte equality of tensor i of two storages, and no sentinel left.
template <class T>
bool same_bits(const storage<T>& a, const storage<T>& b, std::size_t i) {
  const auto& x = a.data[i];
  const auto& y = b.data[i];
  return x.size() == y.size() && std::none_of(x.begin(), x.end(), [](T v) { return std::isnan(v); }) &&
         std::memcmp(x.data(), y.data(), sizeof(T) * x.size()) == 0;
}
template <class T>
void check_all_same(const storage<T>& a, const storage<T>& b) {
  REQUIRE(a.data.size() == b.data.size());
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(a, b, i));
  }
}

/// Initializes the model as `ranks` tensor-parallel ranks would, each holding the rows (or
/// columns) [extent*k/ranks, extent*(k+1)/ranks) of every weight's 2-D view in its own buffer,
/// then gathers the shards into whole tensors. Uneven splits and empty shards (a 1-D weight's one
/// column over 2 or 3 ranks) included.
template <class T>
storage<T> init_sharded(const std::vector<spec>& model, std::uint64_t seed, int ranks, bool by_rows) {
  storage<T> whole(model);
  for (int k = 0; k < ranks; ++k) {
    storage<T> rank;
    std::vector<nninit::tensor_init> tensors;
    std::vector<std::pair<idx, idx>> offsets;
    for (std::size_t i = 0; i < model.size(); ++i) {
      const idx extent = by_rows ? whole.rows[i] : whole.cols[i];
      const idx lo = extent * k / ranks, hi = extent * (k + 1) / ranks;
      nninit::shape s = model[i].shape;
      if (by_rows) s.at(lo, 0), rank.add(hi - lo, whole.cols[i]);
      else s.at(0, lo), rank.add(whole.rows[i], hi - lo);
      offsets.emplace_back(s.row0, s.col0);
      tensors.push_back({model[i].name, s, model[i].scheme, rank.map(i)});
    }
    std::reverse(tensors.begin(), tensors.end());  // a rank may list its tensors in any order
    nninit::init_model(tensors, seed);
    for (std::size_t i = 0; i < model.size(); ++i)
      whole.map(i).block(offsets[i].first, offsets[i].second, rank.rows[i], rank.cols[i]) = rank.map(i);
  }
  return whole;
}

TEST_CASE("stream_of: FNV-1a 64 known answers (the FNV test vectors, and names hashed by an independent script)") {
  // "", "a", "foobar": the FNV-1a 64 test vectors of draft-eastlake-fnv / isthe.com's test suite.
  static_assert(nninit::stream_of("") == 0xcbf29ce484222325u);
  static_assert(nninit::stream_of("a") == 0xaf63dc4c8601ec8cu);
  static_assert(nninit::stream_of("foobar") == 0x85944171f73967e8u);
  // Computed with a 6-line Python FNV-1a: the bytes as given (UTF-8 "café" is 63 61 66 c3 a9).
  CHECK(nninit::stream_of("tok_embeddings.weight") == 0x771ef68a9b91c762u);
  CHECK(nninit::stream_of("layers.0.attention.wq.weight") == 0x2c403a3125427ab5u);
  CHECK(nninit::stream_of("caf\xc3\xa9") == 0x48e8823acfa40d89u);
}

TEST_CASE("tensor_engine: engine(seed).fork(stream_of(name)), pinned by an independent Philox4x32-10") {
  // Python Philox4x32-10 (checked on Random123's KAT row 243f6a88...): block(domain 255, index
  // stream_of(name)) of (seed, stream 0), words 0 and 1.
  static_assert(nninit::tensor_engine(42, "tok_embeddings.weight") ==
                nninit::engine(42).fork(nninit::stream_of("tok_embeddings.weight")));
  CHECK(nninit::tensor_engine(42, "tok_embeddings.weight").stream() == 0x43700e618fe4d6cfu);
  CHECK(nninit::tensor_engine(42, "layers.0.attention.wq.weight").stream() == 0xc67995585a5fb9d7u);
  CHECK(nninit::tensor_engine(0, "").stream() == 0xa214f28f5150704eu);
  CHECK(nninit::tensor_engine(42, "x").seed() == 42);
}

TEST_CASE_TEMPLATE("init_model: each tensor is its scheme filled with tensor_engine(seed, name)", T, float, double) {
  const auto model = small_model();
  const auto st = init_whole<T>(model, 7);
  for (std::size_t i = 0; i < model.size(); ++i) {
    CAPTURE(model[i].name);
    storage<T> one;
    one.add(st.rows[i], st.cols[i]);
    fill_directly(model[i].scheme, one.map(0), nninit::tensor_engine(7, model[i].name), model[i].shape);
    CHECK(std::memcmp(one.data[0].data(), st.data[i].data(), sizeof(T) * one.data[0].size()) == 0);
  }
  // In distribution too: the embedding is N(0, 0.02^2) (64000 draws; test_util's 5-sigma bounds).
  const auto m = test::moments_of(std::vector<double>(st.data[0].begin(), st.data[0].end()));
  test::check_mean(m, 0, 0.02);
  test::check_variance(m, 0.02);
}

TEST_CASE_TEMPLATE("init_model: 2 and 3 row shards and column shards, gathered, are the whole model's bits", T, float,
                   double) {
  const auto model = small_model();
  const auto whole = init_whole<T>(model, 2024);
  for (int ranks : {2, 3})
    for (bool by_rows : {true, false}) {
      CAPTURE(ranks);
      CAPTURE(by_rows);
      check_all_same(init_sharded<T>(model, 2024, ranks, by_rows), whole);
    }
}

TEST_CASE("init_model: the bits do not depend on parallel{1}, {2}, {3}, {7} or an executor, which the fills use") {
  auto model = small_model();
  model.push_back({"lm_head.weight", {1024, 512}, scheme_with("trunc_normal", {{"std", "0.02"}})});  // 2^19 elements
  model.push_back({"layers.1.feed_forward.w1.weight", {1024, 512}, scheme_with("xavier_uniform")});
  const auto serial = init_whole<float>(model, 11, nninit::parallel{1});
  for (int threads : {2, 3, 7}) {
    CAPTURE(threads);
    check_all_same(init_whole<float>(model, 11, nninit::parallel{threads}), serial);
    // An executor that runs the tasks backwards, on the calling thread: the split reaches the
    // fills (more than one task for the 2^19-element tensors) and its order changes nothing.
    int most_tasks = 0;
    const nninit::parallel backwards{threads, [&](int tasks, const std::function<void(int)>& task) {
                                       most_tasks = std::max(most_tasks, tasks);
                                       for (int t = tasks - 1; t >= 0; --t) task(t);
                                     }};
    check_all_same(init_whole<float>(model, 11, backwards), serial);
    CHECK(most_tasks > 1);
  }
}

TEST_CASE("init_model: the order of the list does not matter") {
  const auto model = small_model();
  const auto forward = init_whole<double>(model, 3);
  storage<double> st(model);
  auto tensors = bound(model, st);
  std::reverse(tensors.begin(), tensors.end());
  std::rotate(tensors.begin(), tensors.begin() + 2, tensors.end());
  nninit::init_model(tensors, 3);
  check_all_same(st, forward);
}

TEST_CASE("init_model: renaming a tensor changes it only, the same name in another model gives the same values") {
  const auto model = small_model();
  const auto base = init_whole<float>(model, 5);

  auto renamed = model;
  renamed[1].name = "layers.0.attention.wk.weight";
  const auto after = init_whole<float>(renamed, 5);
  for (std::size_t i = 0; i < model.size(); ++i) {
    CAPTURE(i);
    if (i == 1) CHECK(std::memcmp(after.data[i].data(), base.data[i].data(), sizeof(float) * base.data[i].size()) != 0);
    else CHECK(same_bits(after, base, i));
  }

  // Another model sharing two tensors by name (and shape and scheme), in other positions.
  const std::vector<spec> other = {{"decoder.proj.weight", {64, 64}, scheme_with("xavier_normal")},
                                   model[2],
                                   {"decoder.bias", {256}, scheme_with("zeros")},
                                   model[0]};
  const auto o = init_whole<float>(other, 5);
  CHECK(std::memcmp(o.data[1].data(), base.data[2].data(), sizeof(float) * base.data[2].size()) == 0);
  CHECK(std::memcmp(o.data[3].data(), base.data[0].data(), sizeof(float) * base.data[0].size()) == 0);
  // And another seed changes everything random.
  const auto reseeded = init_whole<float>(model, 6);
  CHECK(std::memcmp(reseeded.data[0].data(), base.data[0].data(), sizeof(float) * base.data[0].size()) != 0);
}

TEST_CASE("init_model: one list holds float and double tensors in any Eigen storage (column-major, block, Ref)") {
  const auto model = small_model();
  const auto ref_f = init_whole<float>(model, 9);
  const auto ref_d = init_whole<double>(model, 9);

  Eigen::MatrixXf emb(1000, 64);                        // column-major, whole
  Eigen::MatrixXd wq(64, 64);                           // double, next to float tensors
  Eigen::MatrixXf ffn(256 + 64, 256);                   // w1 and w2 as blocks of one allocation
  row_major<double> conv(32, 27);
  Eigen::Ref<row_major<double>> conv_ref(conv);
  Eigen::VectorXf bias(64);
  Eigen::RowVectorXd norm(64);                          // a 1-D weight in a row vector
  const std::vector<nninit::tensor_init> tensors = {
      {model[0].name, model[0].shape, model[0].scheme, emb},
      {model[1].name, model[1].shape, model[1].scheme, wq},
      {model[2].name, model[2].shape, model[2].scheme, ffn.block(0, 0, 256, 64)},
      {model[3].name, model[3].shape, model[3].scheme, ffn.block(256, 0, 64, 256)},
      {model[4].name, model[4].shape, model[4].scheme, conv_ref},
      {model[5].name, model[5].shape, model[5].scheme, bias},
      {model[6].name, model[6].shape, model[6].scheme, norm}};
  nninit::init_model(tensors, 9);

  CHECK(row_major<float>(emb) == ref_f.map(0).eval());
  CHECK(row_major<double>(wq) == ref_d.map(1).eval());
  CHECK(row_major<float>(ffn.block(0, 0, 256, 64)) == ref_f.map(2).eval());
  CHECK(row_major<float>(ffn.block(256, 0, 64, 256)) == ref_f.map(3).eval());
  CHECK(conv == ref_d.map(4).eval());
  CHECK(row_major<float>(bias) == ref_f.map(5).eval());
  CHECK(row_major<double>(norm.transpose()) == ref_d.map(6).eval());
}

TEST_CASE("init_model: devfly is developed before anything is written, and gets the values of a direct fill") {
  // 8 samples over 10 inputs, each with a distinct top-3 set.
  auto data = std::make_shared<Eigen::MatrixXd>(Eigen::MatrixXd::Zero(8, 10));
  for (idx n = 0; n < 8; ++n) (*data)(n, n) = 3, (*data)(n, (n + 1) % 10) = 2, (*data)(n, (n + 3) % 10) = 1;
  nninit::initializer fly = scheme_with("devfly", {{"connections", "3"}});
  fly.set_data(data);
  std::vector<spec> model = small_model();
  model.push_back({"fly.weight", {4, 10}, fly});
  const auto st = init_whole<float>(model, 1);
  storage<float> direct;
  direct.add(4, 10);
  fill_directly(fly, direct.map(0), nninit::tensor_engine(1, "fly.weight"), nninit::shape{4, 10});
  CHECK(std::memcmp(direct.data[0].data(), st.data.back().data(), sizeof(float) * 40) == 0);
  CHECK(st.map(model.size() - 1).sum() == 12);  // 3 inputs per unit

  // Too little data: found while developing, before the first tensor is written.
  nninit::initializer starved = scheme_with("devfly", {{"connections", "3"}});
  starved.set_data(std::make_shared<Eigen::MatrixXd>(data->topRows(2)));
  model.back().scheme = starved;
  storage<float> untouched(model);
  CHECK_THROWS_WITH_AS(nninit::init_model(bound(model, untouched), 1),
                       "nninit::devfly: data must be a matrix with at least as many samples (rows) as the 4 coding "
                       "units, got 2 samples, for a 4x10 target (tensor 'fly.weight')",
                       nninit::init_error);
  CHECK(untouched.untouched());
}

TEST_CASE("init_model: throws init_error naming the tensor, and writes nothing, for any bad entry") {
  struct bad {
    const char* what;
    std::function<void(std::vector<spec>&)> edit;  // applied to the model's specs
    std::function<void(std::vector<nninit::tensor_init>&, storage<float>&)> retarget;  // to the bound list
    nninit::parallel par;
    std::string message;
  };
  const auto none = [](std::vector<spec>&) {};
  const auto keep = [](std::vector<nninit::tensor_init>&, storage<float>&) {};
  const std::vector<bad> cases = {
      {"duplicate name", [](std::vector<spec>& m) { m[4].name = m[1].name; }, keep, {},
       "nninit::init_model: name must be unique, got 'layers.0.attention.wq.weight' twice (tensors 1 and 4), for a "
       "32x3x3x3 target"},
      {"empty name", [](std::vector<spec>& m) { m[3].name = ""; }, keep, {},
       "nninit::init_model: name of tensor 3 must be non-empty, got '', for a 64x256 target"},
      {"transposed target", none,
       [](std::vector<nninit::tensor_init>& t, storage<float>& st) {
         t[0].target = buffer_map<float>(st.data[0].data(), 64, 1000);
       },
       {},
       "nninit::init_model: target must be inside the 1000x64 view of the weight, got 64x1000 at (0, 0), for a 1000x64 "
       "target (tensor 'tok_embeddings.weight')"},
      {"shard past the end", [](std::vector<spec>& m) { m[2].shape.at(200, 0); }, keep, {},
       "nninit::init_model: target must be inside the 256x64 view of the weight, got 256x64 at (200, 0), for a 256x64 "
       "target (tensor 'layers.0.feed_forward.w1.weight')"},
      {"bad option on the last tensor",
       [](std::vector<spec>& m) { m.back().scheme = scheme_with("normal", {{"std", "-1"}}); }, keep, {},
       "nninit::normal: std must be finite and >= 0, got -1, for a 64 target (tensor 'norm.weight')"},
      {"bad shape", [](std::vector<spec>& m) { m[4].shape = nninit::shape{32, -3, 3, 3}; }, keep, {},
       "nninit::kaiming_normal: shape must be made of dimensions >= 0, got 32x-3x3x3, for a 32x-3x3x3 target (tensor "
       "'stem.conv.weight')"},
      {"1-D weight for a fan-based scheme", [](std::vector<spec>& m) { m[5].scheme = scheme_with("torch_default"); },
       keep, {},
       "nninit::torch_default: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 64 target "
       "(tensor 'output.bias')"},
      {"no threads", none, keep, nninit::parallel{0}, "nninit::init_model: threads must be >= 1, got 0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto model = small_model();
    c.edit(model);
    storage<float> st(small_model());
    auto tensors = bound(model, st);
    c.retarget(tensors, st);
    CHECK_THROWS_WITH_AS(nninit::init_model(tensors, 1, c.par), c.message.c_str(), nninit::init_error);
    CHECK(st.untouched());
  }
}

TEST_CASE("init_model: an empty model and empty targets are no-ops") {
  nninit::init_model({}, 1);
  std::vector<float> none;
  const nninit::tensor_init empty{"empty", {0, 64}, scheme_with("kaiming_normal"), buffer_map<float>(none.data(), 0, 64)};
  CHECK_NOTHROW(nninit::init_model({empty}, 1));
}

}  // namespace model_test
