// Seed checkpoints (checkpoint.hpp, hf_models.hpp): a tensor's bytes are its whole fill, the
// ranks of any tensor-parallel split concatenate to the whole tensor byte for byte, the files
// are safetensors as the format specifies, and bad input writes nothing.
#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Eigen/Core>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <nninit/checkpoint.hpp>
#include <nninit/hf_models.hpp>
#include <nninit/nninit.hpp>
#include <string>
#include <vector>

namespace {

using Index = nninit::index;

std::string bytes_of(const nninit::checkpoint_tensor& t, const nninit::tensor_parallel& tp = {}, Index chunk = Index{1} << 24,
                     int threads = 1) {
  std::string out;
  const auto sl = nninit::slice_of(t, tp);
  nninit::generate_tensor(t, sl, 7, nninit::parallel{threads}, chunk, [&](const char* p, std::size_t n) { out.append(p, n); });
  return out;
}

template <class T>
std::string whole_fill(const nninit::checkpoint_tensor& t) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(t.shape.rows(), t.shape.cols());
  t.scheme.fill(m, nninit::tensor_engine(7, t.name), t.shape);
  return std::string(reinterpret_cast<const char*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(T));
}

/// A scratch directory, removed with what it holds.
struct scratch {
  std::string path;
  scratch() {
    char name[] = "/tmp/nninit-checkpoint-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~scratch() {
    for (const auto& f : files()) ::unlink((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    while (const dirent* e = d ? ::readdir(d) : nullptr)
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.emplace_back(e->d_name);
    if (d) ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string read(const std::string& f) const {
    std::ifstream in(path + "/" + f, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

/// The rank's part of the whole tensor's bytes, cut out of the R = 1 bytes by the split's
/// definition (pieces along their axis, each piece's share of granules), independently of the
/// writer's own slicing code.
std::string cut(const nninit::checkpoint_tensor& t, const std::string& whole, Index ranks, Index rank) {
  const std::size_t size = nninit::storage_bytes(t.type);
  const auto& dims = t.shape.dims;
  const Index rows = dims.empty() ? 1 : t.shape.rows(), cols = dims.empty() ? 1 : t.shape.cols();
  std::vector<Index> keep_rows, keep_cols;
  for (Index r = 0; r < rows; ++r) keep_rows.push_back(r);
  for (Index c = 0; c < cols; ++c) keep_cols.push_back(c);
  if (t.split.dim >= 0 && ranks > 1) {
    const bool on_rows = t.split.dim == 0;
    const int piece_dim = t.shape.order == nninit::layout::in_out && dims.size() >= 2 ? 1 : 0;
    std::vector<Index> sizes;
    if (t.pieces.empty() || piece_dim != t.split.dim) sizes = {dims[static_cast<std::size_t>(t.split.dim)]};
    else
      for (const auto& p : t.pieces) sizes.push_back(p.size);
    std::vector<Index> kept;
    Index base = 0;
    for (const Index n : sizes) {
      const Index granules = n / t.split.granule;
      const Index per = granules / ranks, extra = granules % ranks;
      const Index begin = rank * per + std::min(rank, extra), end = begin + per + (rank < extra ? 1 : 0);
      for (Index k = begin * t.split.granule; k < end * t.split.granule; ++k) kept.push_back(base + k);
      base += n;
    }
    (on_rows ? keep_rows : keep_cols) = kept;
  }
  std::string out;
  for (const Index r : keep_rows)
    for (const Index c : keep_cols) out.append(whole, static_cast<std::size_t>(r * cols + c) * size, size);
  return out;
}

std::string failure(const std::function<void()>& f) {
  try {
    f();
  } catch (const nninit::init_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("checkpoint: a tensor's bytes are its whole fill, in every storage type, chunk size and thread count") {
  const char* schemes[] = {"normal", "kaiming_uniform", "trunc_normal", "orthogonal", "ones"};
  for (const char* name : schemes) {
    nninit::checkpoint_tensor t{std::string("w.") + name, nninit::shape{37, 23}, nninit::initializer(name)};
    INFO(name);
    t.type = nninit::storage_type::float32;
    CHECK(bytes_of(t) == whole_fill<float>(t));
    CHECK(bytes_of(t, {}, 50, 2) == whole_fill<float>(t));  // 2 rows a chunk, 2 threads
    t.type = nninit::storage_type::bfloat16;
    CHECK(bytes_of(t, {}, 23) == whole_fill<Eigen::bfloat16>(t));
    t.type = nninit::storage_type::float16;
    CHECK(bytes_of(t, {}, 100) == whole_fill<Eigen::half>(t));
    t.type = nninit::storage_type::float64;
    CHECK(bytes_of(t, {}, 1) == whole_fill<double>(t));
  }
  // Layout in_out: the same C-order values under the Keras-order shape, fans from it.
  nninit::checkpoint_tensor k{"conv", nninit::shape{3, 3, 8, 16}.with_layout(nninit::layout::in_out), nninit::initializer("he_normal")};
  CHECK(bytes_of(k, {}, 40) == whole_fill<float>(k));
}

TEST_CASE("checkpoint: transformers' tensor names, shapes and init for llama (GQA, biases, padding row) and gpt2 (Conv1D)") {
  const nninit::hf_config llama{"llama", 64, 32, 2, 4, 2, 0, 40, 0, false, true, false, 0.02, 3};
  const auto t = nninit::hf_model_tensors(llama, nninit::storage_type::float32);
  std::vector<std::string> first;
  for (std::size_t i = 0; i < 12; ++i) first.push_back(t[i].name + " " + t[i].shape.text());
  const std::vector<std::string> expected = {
      "model.embed_tokens.weight 64x32",       "model.layers.0.input_layernorm.weight 32",
      "model.layers.0.self_attn.q_proj.weight 32x32", "model.layers.0.self_attn.q_proj.bias 32",
      "model.layers.0.self_attn.k_proj.weight 16x32", "model.layers.0.self_attn.k_proj.bias 16",
      "model.layers.0.self_attn.v_proj.weight 16x32", "model.layers.0.self_attn.v_proj.bias 16",
      "model.layers.0.self_attn.o_proj.weight 32x32", "model.layers.0.self_attn.o_proj.bias 32",
      "model.layers.0.post_attention_layernorm.weight 32", "model.layers.0.mlp.gate_proj.weight 40x32"};
  CHECK(first == expected);
  CHECK(t.back().name == "lm_head.weight");
  CHECK(t.size() == 1 + 2 * 13 + 2);
  CHECK(t[0].scheme.describe(t[0].shape).std == 0.02);
  CHECK(t[0].zero_row == 3);
  const std::string embed = bytes_of(t[0]);
  for (std::size_t c = 0; c < 32; ++c) CHECK(std::memcmp(embed.data() + (3 * 32 + c) * 4, "\0\0\0\0", 4) == 0);
  CHECK(std::string(t[1].scheme.name()) == "ones");
  CHECK(std::string(t[3].scheme.name()) == "zeros");

  nninit::hf_config gpt2{"gpt2", 50, 32, 3, 4, 0, 0, 0, 16, true, false, false, 0.02, -1};
  const auto g = nninit::hf_model_tensors(gpt2, nninit::storage_type::float32);
  CHECK(g[4].name == "transformer.h.0.attn.c_attn.weight");
  CHECK(g[4].shape.text() == "32x96");
  CHECK(g[4].shape.order == nninit::layout::in_out);
  REQUIRE(g[4].pieces.size() == 3);
  CHECK(g[6].name == "transformer.h.0.attn.c_proj.weight");
  // GPT2PreTrainedModel: c_proj at initializer_range / sqrt(2 n_layer), to the bit.
  CHECK(g[6].scheme.describe(g[6].shape).std == 0.02 / std::sqrt(2.0 * 3));
  CHECK(g.back().name == "transformer.ln_f.bias");  // tied: no lm_head

  // A rule: mup zeroes the query piece of c_attn and scales the rest by width.
  nninit::initializer mup("mup");
  const auto m = nninit::hf_model_tensors(gpt2, nninit::storage_type::float32, &mup);
  const nninit::shape piece = nninit::shape{32, 32}.with_layout(nninit::layout::in_out);
  CHECK(m[4].pieces[0].scheme.describe(piece).dist == nninit::distribution::constant);
  CHECK(m[4].pieces[0].scheme.describe(piece).value == 0);
  CHECK(m[4].pieces[1].scheme.describe(piece).std > 0);
}

TEST_CASE("checkpoint: tensor-parallel ranks hold exactly their slices of the whole tensors, for R = 1, 2, 4 and uneven 3") {
  struct model {
    nninit::hf_config config;
    std::vector<Index> ranks;
  };
  const std::vector<model> models = {
      {{"llama", 64, 32, 1, 8, 4, 0, 48, 0, false, true, true, 0.02, 5}, {1, 2, 4}},
      {{"qwen2", 96, 48, 1, 6, 3, 0, 100, 0, true, false, false, 0.02, -1}, {3}},  // 100 FFN rows: 34, 33, 33
      {{"gpt2", 64, 32, 1, 4, 0, 0, 0, 8, false, false, false, 0.02, -1}, {2, 4}},
  };
  for (const auto& m : models) {
    for (const auto type : {nninit::storage_type::float32, nninit::storage_type::bfloat16}) {
      const auto tensors = nninit::hf_model_tensors(m.config, type, nullptr, 1);
      for (const auto& t : tensors) {
        const std::string whole = bytes_of(t);
        for (const Index ranks : m.ranks) {
          std::size_t held = 0;
          for (Index r = 0; r < ranks; ++r) {
            INFO(m.config.model_type, " ", t.name, " rank ", r, " of ", ranks);
            const std::string part = bytes_of(t, {ranks, r}, 7, 2);
            CHECK(part == cut(t, whole, ranks, r));
            held += part.size();
          }
          if (t.split.dim < 0) CHECK(held == whole.size() * static_cast<std::size_t>(ranks));  // replicated
          else CHECK(held == whole.size());
        }
      }
    }
  }
}

TEST_CASE("checkpoint: files are safetensors as specified, sharded with an index as transformers names them") {
  const scratch dir;
  const nninit::hf_config llama{"llama", 64, 32, 2, 4, 2, 0, 40, 0, false, false, false, 0.02, -1};
  const auto tensors = nninit::hf_model_tensors(llama, nninit::storage_type::bfloat16);
  nninit::checkpoint_options o;
  o.seed = 7;
  o.metadata = {{"note", "a \"quoted\"\nline"}};
  const auto single = nninit::write_checkpoint(dir.path, tensors, o);
  REQUIRE(single.files.size() == 1);
  CHECK(dir.files() == std::vector<std::string>{"model.safetensors"});

  const auto check_file = [&](const std::string& name) {
    const std::string bytes = dir.read(name);
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = n << 8 | static_cast<unsigned char>(bytes[static_cast<std::size_t>(b)]);
    CHECK((8 + n) % 8 == 0);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    CHECK(header["__metadata__"]["format"] == "pt");
    CHECK(header["__metadata__"]["note"] == "a \"quoted\"\nline");
    const auto plan = nlohmann::json::parse(header["__metadata__"]["nninit"].get<std::string>());
    CHECK(plan["seed"] == "7");
    CHECK(plan["stream_version"] == nninit::stream_version);
    std::uint64_t end = 0;
    for (const auto& t : tensors) {
      if (!header.contains(t.name)) continue;
      const auto& e = header[t.name];
      CHECK(e["dtype"] == "BF16");
      CHECK(e["shape"].get<std::vector<Index>>() == t.shape.dims);
      const auto begin = e["data_offsets"][0].get<std::uint64_t>(), stop = e["data_offsets"][1].get<std::uint64_t>();
      CHECK(begin == end);  // in order, no gap
      CHECK(bytes.substr(8 + n + begin, stop - begin) == bytes_of(t));
      CHECK(plan["tensors"][t.name]["stream"] == std::to_string(nninit::tensor_engine(7, t.name).stream()));
      end = stop;
    }
    CHECK(8 + n + end == bytes.size());
    return header.size() - 1;
  };
  CHECK(check_file("model.safetensors") == tensors.size());

  o.max_shard_bytes = 6000;  // several files; the embedding (4096 bytes) and lm_head fit alone
  const auto sharded = nninit::write_checkpoint(dir.path, tensors, o);
  const auto files = dir.files();
  REQUIRE(files.size() == sharded.files.size() + 1);
  CHECK(files.back() == "model.safetensors.index.json");  // and the single file is gone
  CHECK(files.front() == "model-00001-of-" + std::string(5 - std::to_string(sharded.files.size()).size(), '0') +
                             std::to_string(sharded.files.size()) + ".safetensors");
  std::size_t listed = 0;
  for (std::size_t i = 0; i + 1 < files.size(); ++i) listed += check_file(files[i]);
  CHECK(listed == tensors.size());
  const auto index_file = nlohmann::json::parse(dir.read("model.safetensors.index.json"));
  CHECK(index_file["metadata"]["total_size"] == sharded.tensor_bytes);
  CHECK(index_file["weight_map"].size() == tensors.size());
  CHECK(index_file["weight_map"]["lm_head.weight"] == files[files.size() - 2]);

  o.max_shard_bytes = 0;  // back to one file: the shards and the Index are removed
  nninit::write_checkpoint(dir.path, tensors, o);
  CHECK(dir.files() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("checkpoint: bad input throws init_error before any file is written") {
  const scratch dir;
  const nninit::hf_config ok{"llama", 64, 32, 1, 4, 2, 0, 40, 0, false, false, false, 0.02, -1};
  const auto tensors = nninit::hf_model_tensors(ok, nninit::storage_type::float32);
  nninit::checkpoint_options o;
  const auto write = [&](const std::vector<nninit::checkpoint_tensor>& t, const nninit::checkpoint_options& opt, const std::string& where) {
    return failure([&] { nninit::write_checkpoint(where, t, opt); });
  };
  CHECK(write(tensors, o, dir.path + "/missing") == "nninit::checkpoint: out must be an existing directory, got '" + dir.path + "/missing'");
  nninit::checkpoint_options bad_rank = o;
  bad_rank.tp = {2, 2};
  CHECK(write(tensors, bad_rank, dir.path) == "nninit::checkpoint: rank must be in [0, 2), got 2, for a 64x32 target (tensor 'model.embed_tokens.weight')");
  nninit::checkpoint_options three = o;
  three.tp = {3, 0};
  CHECK(write(tensors, three, dir.path).rfind("nninit::checkpoint: tp must be a divisor of the 64 entries along dimension 0, got 3", 0) == 0);
  std::vector<nninit::checkpoint_tensor> huge = {{"w", nninit::shape{Index{1} << 40, Index{1} << 40}, nninit::initializer("zeros")}};
  CHECK(write(huge, o, dir.path) == "nninit::checkpoint: shape must be at most 2^59 values, got 1099511627776x1099511627776, for a 1099511627776x1099511627776 target (tensor 'w')");
  nninit::checkpoint_options keys = o;
  keys.metadata = {{"note", "1"}, {"note", "2"}};
  CHECK(write(tensors, keys, dir.path) == "nninit::checkpoint: metadata must be distinct keys other than format and nninit, got 'note'");
  keys.metadata = {{"format", "np"}};
  CHECK(write(tensors, keys, dir.path) == "nninit::checkpoint: metadata must be distinct keys other than format and nninit, got 'format'");
  std::vector<nninit::checkpoint_tensor> twice = {tensors[0], tensors[0]};
  CHECK(write(twice, o, dir.path) == "nninit::checkpoint: name must be unique, got 'model.embed_tokens.weight' twice");
  std::vector<nninit::checkpoint_tensor> devfly = {{"w", nninit::shape{8, 4}, nninit::initializer("devfly")}};
  CHECK(write(devfly, o, dir.path).rfind("nninit::checkpoint: scheme must be one drawn from the seed", 0) == 0);
  std::vector<nninit::checkpoint_tensor> row = {{"w", nninit::shape{8, 4}, nninit::initializer("normal")}};
  row[0].zero_row = 8;
  CHECK(write(row, o, dir.path) == "nninit::checkpoint: zero_row must be -1 or a row in [0, 8), got 8, for a 8x4 target (tensor 'w')");
  std::vector<nninit::checkpoint_tensor> bad_scheme = {{"w", nninit::shape{8, 4}, nninit::initializer("normal")}};
  bad_scheme[0].scheme.set("std", "-1");
  CHECK(write(bad_scheme, o, dir.path).rfind("nninit::normal: std must be", 0) == 0);
  CHECK(dir.files().empty());

  const auto hf = [&](nninit::hf_config c, Index tp = 1) {
    return failure([&] { nninit::hf_model_tensors(c, nninit::storage_type::float32, nullptr, tp); });
  };
  nninit::hf_config c = ok;
  c.model_type = "bert";
  CHECK(hf(c) == "nninit::hf_model: model_type must be llama, mistral, qwen2 or gpt2, got 'bert'");
  c = ok;
  c.heads = 5;
  CHECK(hf(c) == "nninit::hf_model: num_attention_heads must be a divisor of hidden_size 32, got 5");
  c = ok;
  c.kv_heads = 3;
  CHECK(hf(c) == "nninit::hf_model: num_key_value_heads must be a divisor of num_attention_heads 4, got 3");
  CHECK(hf(ok, 4) == "nninit::hf_model: tp must be a divisor of num_key_value_heads 2, got 4");
  c = ok;
  c.vocab_size = 63;
  CHECK(hf(c, 2) == "nninit::hf_model: tp must be a divisor of vocab_size 63, got 2");
  nninit::initializer mimetic("mimetic");
  CHECK(failure([&] { nninit::hf_model_tensors(ok, nninit::storage_type::float32, &mimetic); }) ==
        "nninit::hf_model: rule must be one that draws each tensor from its own stream, got mimetic (it draws a block's q, k, v and o together)");
}
