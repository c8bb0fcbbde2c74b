// `nninit init-model`, `inspect` and `verify`: seed checkpoints written, read back strictly,
// recomputed, equal to `nninit fill` of each tensor, the same bytes for every tensor-parallel
// layout; bad input and a file-size limit exit 2 with one line and leave no file.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "safetensors.hpp"
#include "test_util.hpp"
#include "tool_test_util.hpp"

using namespace cli_test;

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

const std::string llama_config =
    R"({"model_type": "llama", "vocab_size": 96, "hidden_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "intermediate_size": 100, "tie_word_embeddings": false, "pad_token_id": 0,
        "attention_bias": true, "initializer_range": 0.02})";

/// Every tensor's bytes of a checkpoint file, by name, read through the tool's strict reader.
std::map<std::string, std::string> tensors_of(const std::string& path) {
  const nninit_cli::safetensors_file f("test", "file", path);
  std::map<std::string, std::string> out;
  for (const auto& e : f.header().tensors) {
    std::string bytes(e.end - e.begin, '\0');
    f.read(e.begin, bytes.data(), bytes.size());
    out[e.name] = bytes;
  }
  return out;
}

}  // namespace

TEST_CASE("init-model: a llama checkpoint is recomputed identical, inspected, and one flipped byte is found") {
  const scratch_dir dir;
  write_text(dir / "config.json", llama_config);
  const result w = run({"init-model", "--model", dir / "config.json", "--seed", "5", "--dtype", "bfloat16", "--out", dir.path().string()});
  INFO(w.err);
  REQUIRE(w.code == 0);
  CHECK(w.out.find("llama config, 29 tensors") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"config.json", "model.safetensors"});

  const std::vector<std::string> verify = {"verify", dir / "model.safetensors", "--model", dir / "config.json", "--seed", "5", "--dtype", "bfloat16"};
  result v = run(verify);
  CHECK(v.code == 0);
  CHECK(v.out.rfind("identical: 29 tensors", 0) == 0);
  std::vector<std::string> other_seed = verify;
  other_seed[5] = "6";
  v = run(other_seed);
  CHECK(v.code == 1);
  CHECK(v.out.rfind("differs: tensor 'model.embed_tokens.weight' element 48 [1, 0]: expected", 0) == 0);  // row 0 is the padding row

  const result i = run({"inspect", dir / "model.safetensors"});
  CHECK(i.code == 0);
  const auto k_line = i.out.substr(i.out.find("model.layers.1.self_attn.k_proj.weight "), 80);
  CHECK(k_line.find("BF16") != std::string::npos);
  CHECK(k_line.find("[24, 48]") != std::string::npos);
  CHECK(i.out.find("normal std 0.02") != std::string::npos);
  const result ij = run({"inspect", dir / "model.safetensors", "--json"});
  const auto j = nlohmann::json::parse(ij.out);
  CHECK(j.size() == 29);
  CHECK(j[0]["name"] == "model.embed_tokens.weight");
  CHECK(std::abs(j[0]["zero_fraction"].get<double>() - 1.0 / 96) < 1e-12);  // the padding row
  CHECK(j[0]["plan"]["std"] == 0.02);

  // One byte of the last tensor flipped: verify names the tensor and the element.
  std::string bytes = slurp(dir / "model.safetensors");
  bytes[bytes.size() - 3] ^= 0x40;
  write_text(dir / "model.safetensors", bytes);
  v = run(verify);
  CHECK(v.code == 1);
  CHECK(v.out.rfind("differs: tensor 'lm_head.weight' element 4606 [95, 46]", 0) == 0);
}

TEST_CASE("init-model: each tensor is `nninit fill` of its scheme on its stream, and every rank of --tp holds its slices of it") {
  const scratch_dir dir;
  write_text(dir / "config.json", llama_config);
  const std::string whole = dir / "whole", rank0 = dir / "r0", rank1 = dir / "r1";
  for (const auto& d : {whole, rank0, rank1}) fs::create_directory(d);
  const std::vector<std::string> base = {"init-model", "--model", dir / "config.json", "--seed", "9"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = base;
    all.insert(all.end(), extra.begin(), extra.end());
    return run(all);
  };
  REQUIRE(with({"--out", whole, "--threads", "1"}).code == 0);
  REQUIRE(with({"--out", rank0, "--tp", "2", "--rank", "0", "--threads", "2"}).code == 0);
  REQUIRE(with({"--out", rank1, "--tp", "2", "--rank", "1"}).code == 0);
  const auto w = tensors_of(whole + "/model.safetensors");
  const auto r0 = tensors_of(rank0 + "/model.safetensors"), r1 = tensors_of(rank1 + "/model.safetensors");

  // q_proj (4 heads of 12 rows): column-parallel, rows 0-23 on rank 0, 24-47 on rank 1.
  const std::string q = "model.layers.1.self_attn.q_proj.weight";
  CHECK(r0.at(q) + r1.at(q) == w.at(q));
  // o_proj: row-parallel, each rank 24 of the 48 input columns of every row.
  const std::string o = "model.layers.0.self_attn.o_proj.weight";
  std::string joined_rows;
  for (std::size_t row = 0; row < 48; ++row) joined_rows += r0.at(o).substr(row * 24 * 4, 24 * 4) + r1.at(o).substr(row * 24 * 4, 24 * 4);
  CHECK(joined_rows == w.at(o));
  CHECK(r0.at("model.norm.weight") == w.at("model.norm.weight"));  // replicated
  CHECK(r1.at("model.layers.0.self_attn.o_proj.bias") == w.at("model.layers.0.self_attn.o_proj.bias"));
  CHECK(r0.at("lm_head.weight") + r1.at("lm_head.weight") == w.at("lm_head.weight"));  // vocabulary-parallel
  CHECK(run({"verify", rank1 + "/model.safetensors", "--model", dir / "config.json", "--seed", "9", "--tp", "2", "--rank", "1"}).code == 0);
  const result wrong = run({"verify", rank1 + "/model.safetensors", "--model", dir / "config.json", "--seed", "9"});
  CHECK(wrong.code == 1);
  CHECK(wrong.out == "differs: tensor 'model.embed_tokens.weight' is F32 [48, 48], expected F32 [96, 48]\n");

  // The stream the metadata records, given to `nninit fill`, gives the same bytes.
  const nninit_cli::safetensors_file f("test", "file", whole + "/model.safetensors");
  const auto plan = nlohmann::json::parse(f.header().metadata.at("nninit"));
  const auto& q_plan = plan["tensors"][q];
  CHECK(q_plan["scheme"] == "normal");
  const result fill = run({"fill", "normal", "--shape", "48,48", "--set", "std=0.02", "--seed", "9", "--stream",
                           q_plan["stream"].get<std::string>(), "--out", dir / "q.npy"});
  REQUIRE(fill.code == 0);
  CHECK(read_npy(dir / "q.npy").data == w.at(q));
}

TEST_CASE("init-model: a tensor list with schemes, options, dtypes, layouts and splits") {
  const scratch_dir dir;
  write_text(dir / "list.json", R"({"tensors": [
      {"name": "conv", "shape": [3, 3, 16, 32], "scheme": "he_normal", "layout": "in_out", "dtype": "float16"},
      {"name": "proj", "shape": [64, 40], "scheme": "kaiming_uniform", "options": {"a": 2.23606797749979, "nonlinearity": "leaky_relu"}, "split": "row"},
      {"name": "head", "shape": [40, 64], "scheme": "orthogonal", "split": {"dim": 0, "granule": 10}}]})");
  fs::create_directory(dir / "a");
  fs::create_directory(dir / "b");
  REQUIRE(run({"init-model", "--model", dir / "list.json", "--out", dir / "a", "--tp", "2", "--rank", "1"}).code == 0);
  REQUIRE(run({"init-model", "--model", dir / "list.json", "--out", dir / "b"}).code == 0);
  const auto a = tensors_of(dir / "a/model.safetensors"), b = tensors_of(dir / "b/model.safetensors");
  CHECK(a.at("conv") == b.at("conv"));
  CHECK(a.at("conv").size() == 3 * 3 * 16 * 32 * 2);
  CHECK(a.at("head") == b.at("head").substr(20 * 64 * 4));  // rows 20-39 of the orthogonal matrix
  for (std::size_t row = 0; row < 64; ++row) CHECK(a.at("proj").substr(row * 80, 80) == b.at("proj").substr(row * 160 + 80, 80));
  const result i = run({"inspect", dir / "b/model.safetensors"});
  // a = sqrt(5): gain sqrt(2 / 6), fan_in 40, bound gain * sqrt(3 / 40) = 0.1581, std bound / sqrt(3).
  CHECK(i.out.find("kaiming_uniform std 0.09129") != std::string::npos);
  CHECK(i.out.find("he_normal std 0.134") != std::string::npos);  // Keras' truncated normal, fan_in 3 * 3 * 16
}

TEST_CASE("init-model and verify: bad input exits with 2, one nninit:: line, and no file under a final name") {
  const scratch_dir data;
  const scratch_dir out;
  write_text(data / "config.json", llama_config);
  const auto config = [&](const std::string& name, const std::string& text) {
    write_text(data / name, text);
    return data / name;
  };
  const std::string malformed = config("malformed.json", "{\"model_type\": \"llama\",\n  \"vocab_size\": 96\n  \"hidden_size\": 48}");
  const std::string bert = config("bert.json", R"({"model_type": "bert", "vocab_size": 96})");
  const std::string heads = config("heads.json", R"({"model_type": "llama", "vocab_size": 96, "hidden_size": 48, "num_hidden_layers": 1,
      "num_attention_heads": 5, "intermediate_size": 64})");
  const std::string kv = config("kv.json", R"({"model_type": "mistral", "vocab_size": 96, "hidden_size": 48, "num_hidden_layers": 1,
      "num_attention_heads": 6, "num_key_value_heads": 4, "intermediate_size": 64})");
  const std::string huge = config("huge.json", R"({"tensors": [{"name": "w", "shape": [1099511627776, 1099511627776], "scheme": "zeros"}]})");
  const std::string typo = config("typo.json", R"({"tensors": [{"name": "w", "shape": [4, 4], "scheme": "normal", "option": {}}]})");
  const std::string o = out.path().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--model", malformed}, "nninit::init-model: model must be valid JSON, got syntax error while parsing object - unexpected string literal; expected '}' at line 3, column 15 of"},
      {{"--model", bert}, "nninit::hf_model: model_type must be llama, mistral, qwen2 or gpt2, got 'bert'"},
      {{"--model", heads}, "nninit::hf_model: num_attention_heads must be a divisor of hidden_size 48, got 5"},
      {{"--model", kv}, "nninit::hf_model: num_key_value_heads must be a divisor of num_attention_heads 6, got 4"},
      {{"--model", data / "config.json", "--tp", "4"}, "nninit::hf_model: tp must be a divisor of num_key_value_heads 2, got 4"},
      {{"--model", data / "config.json", "--tp", "3"}, "nninit::hf_model: tp must be a divisor of num_attention_heads 4, got 3"},
      {{"--model", data / "config.json", "--tp", "2", "--rank", "2"}, "nninit::init-model: rank must be in [0, tp) = [0, 2), got 2"},
      {{"--model", huge}, "nninit::checkpoint: shape must be at most 2^59 values, got 1099511627776x1099511627776"},
      {{"--model", typo}, "nninit::init-model: tensors[0].option must be absent (fields: name, shape, scheme, options, dtype, layout, split)"},
      {{"--model", data / "config.json", "--dtype", "int8"}, "nninit::init-model: dtype must be float32, bfloat16, float16 or float64, got 'int8'"},
      {{"--model", data / "config.json", "--max-shard-size", "5XB"}, "nninit::init-model: max-shard-size must be a size such as 5GB"},
      {{"--model", data / "config.json", "--rule", "mimetic"}, "nninit::hf_model: rule must be one that draws each tensor from its own stream"},
      {{"--model", data / "config.json", "--set", "std=0.1"}, "nninit::init-model: set must be given with --rule"},
      {{"--model", data / "missing.json"}, "nninit::init-model: model must be a readable JSON file, got"},
  };
  for (const auto& [args_, message] : cases) {
    std::vector<std::string> all = {"init-model", "--out", o};
    all.insert(all.end(), args_.begin(), args_.end());
    check_refuses(all, message, out);
  }
  check_refuses({"init-model", "--model", data / "config.json", "--out", o + "/missing"},
                "nninit::checkpoint: out must be an existing directory, got '" + o + "/missing'", out);
  check_refuses({"init-model", "--model", data / "config.json", "--out", "/proc/self"},
                "nninit::checkpoint: out must be a writable directory, got '/proc/self'", out);

  // A file-size limit: the write fails with EFBIG (SIGXFSZ ignored), the temporary file goes.
  const std::string cmd = "ulimit -f 64; exec " + shell_quote(NNINIT_CLI_PATH) + " init-model --model " + shell_quote(data / "config.json") +
                          " --out " + shell_quote(o) + " 2>" + shell_quote(data / "err");
  const int status = std::system(("bash -c " + shell_quote(cmd)).c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(slurp(data / "err") == "nninit::checkpoint: out must be written in full, got '" + o + "/model.safetensors': File too large\n");
  CHECK(out.entries().empty());
}

TEST_CASE("inspect and verify: a corrupt safetensors file exits with 2, naming the offending field") {
  const scratch_dir dir;
  write_text(dir / "config.json", llama_config);
  REQUIRE(run({"init-model", "--model", dir / "config.json", "--out", dir.path().string()}).code == 0);
  const std::string good = slurp(dir / "model.safetensors");
  std::uint64_t n = 0;
  for (int b = 7; b >= 0; --b) n = n << 8 | static_cast<unsigned char>(good[static_cast<std::size_t>(b)]);
  const std::string header = good.substr(8, n), data = good.substr(8 + n);
  const auto with_header = [&](std::string h) {
    h.append((8 - h.size() % 8) % 8, ' ');
    std::string length(8, '\0');
    for (int b = 0; b < 8; ++b) length[static_cast<std::size_t>(b)] = static_cast<char>((h.size() >> (8 * b)) & 0xFF);
    return length + h + data;
  };
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string h = header;
    const auto at = h.find(from);
    REQUIRE(at != std::string::npos);
    return with_header(h.replace(at, from.size(), to));
  };
  const std::string first = "\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[96,48],\"data_offsets\":[0,18432]}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good.substr(0, 5), "a safetensors file (8 bytes of header length first), got 5 bytes"},
      {std::string("\x00\x00\x10\x00\x00\x00\x00\x00", 8) + data, "a safetensors file (a header inside the file), got a header length of 1048576"},
      {with_header("[1, 2]"), "a safetensors file (a header that is a JSON object), got a header starting with other than '{'"},
      {with_header(header.substr(0, header.rfind('}'))), "a safetensors file (a header of valid UTF-8 JSON), got a JSON error at byte"},
      {replaced("\"dtype\":\"F32\",\"shape\":[96,48]", "\"dtype\":\"F8\",\"shape\":[96,48]"), "a safetensors file (dtype one of F64, F32"},
      {replaced("[96,48],\"data_offsets\":[0,18432]", "[96,49],\"data_offsets\":[0,18432]"),
       "a safetensors file (data_offsets spanning the shape's values times the dtype's size), got 'model.embed_tokens.weight': [96,49] F32 in 18432 bytes"},
      {replaced("[0,18432]", "[4,18436]"), "a safetensors file (tensors covering the data without gap or overlap), got 'model.embed_tokens.weight' at data offset 4 where 0 was expected"},
      {replaced(first, first + "," + first), "a safetensors file (no key twice), got 'model.embed_tokens.weight' twice"},
      {replaced("\"format\":\"pt\"", "\"format\":1"), "a safetensors file (__metadata__ an object of strings), got 'format': 1"},
      {good + "x", "a safetensors file (tensors covering the data without gap or overlap), got 1 bytes after the last tensor"},
  };
  for (const auto& [bytes, message] : cases) {
    write_text(dir / "bad.safetensors", bytes);
    for (const std::vector<std::string>& args : {std::vector<std::string>{"inspect", dir / "bad.safetensors"},
                                                std::vector<std::string>{"verify", dir / "bad.safetensors", "--model", dir / "config.json"}}) {
      const result r = run(args);
      INFO(joined(args), "\n", r.err);
      CHECK(r.code == 2);
      CHECK(r.err.rfind("nninit::" + args[0] + ": file must be " + message, 0) == 0);
      CHECK(lines_of(r.err).size() == 1);
      CHECK(r.out.empty());
    }
  }
}

TEST_CASE("init-model: memory stays bounded: a 480 MB tensor written under a 400 MB address-space limit") {
  if (test::sanitized) {  // AddressSanitizer maps terabytes of shadow memory: no ulimit -v holds it
    test::skip("an address-space limit cannot run an AddressSanitizer build; it runs in Release");
    return;
  }
  const scratch_dir dir;
  write_text(dir / "big.json", R"({"tensors": [{"name": "w", "shape": [12000, 10000], "scheme": "kaiming_normal"}]})");
  fs::create_directory(dir / "out");
  const std::string cmd = "ulimit -v 400000; exec " + shell_quote(NNINIT_CLI_PATH) + " init-model --model " + shell_quote(dir / "big.json") +
                          " --threads 2 --out " + shell_quote(dir / "out") + " >" + shell_quote(dir / "said") + " 2>&1";
  const int status = std::system(("bash -c " + shell_quote(cmd)).c_str());
  INFO(slurp(dir / "said"));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(fs::file_size(dir / "out/model.safetensors") > 480000000);
  // The tool's own report of its peak resident memory, far below the tensor's 480 MB.
  const std::string said = slurp(dir / "said");
  const auto at = said.find("peak memory ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(said.substr(at + 12)) < 250);
  CHECK(run({"verify", dir / "out/model.safetensors", "--tensor", "w", "--scheme", "kaiming_normal"}).code == 0);
}
