// nninit tool: `nninit init-model --model FILE.json --seed S --out DIR`: a seed checkpoint, the
// model's initial weights as safetensors files (nninit/checkpoint.hpp), one tensor-parallel rank
// at a time if asked, the same bytes for every layout.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nninit/checkpoint.hpp>
#include <nninit/nninit.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "model_json.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

constexpr std::string_view command = "init-model";

struct init_model_options {
  model_args model;
  std::string out, max_shard_size = "5GB", threads = "all";
  CLI::Option* out_option = nullptr;
};

/// --max-shard-size as transformers' convert_file_size_to_int reads it: KB, MB, GB, TB are
/// powers of 1000, KiB, MiB, GiB, TiB of 1024; a plain number is bytes.
std::uint64_t parse_byte_size(const std::string& text) {
  static const std::pair<std::string_view, double> units[] = {{"KIB", 1024.0}, {"MIB", 1048576.0}, {"GIB", 1073741824.0},
                                                               {"TIB", 1099511627776.0}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
                                                               {"TB", 1e12}, {"B", 1.0}};
  std::string upper;
  for (const char ch : text) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  double scale = 1;
  std::string digits = upper;
  for (const auto& [unit, factor] : units)
    if (upper.size() > unit.size() && upper.compare(upper.size() - unit.size(), unit.size(), unit) == 0) {
      digits = upper.substr(0, upper.size() - unit.size());
      scale = factor;
      break;
    }
  const bool plain = !digits.empty() && digits.find_first_not_of("0123456789.") == std::string::npos &&
                     digits.find('.') == digits.rfind('.') && digits.front() != '.' && digits.back() != '.';
  const double bytes = plain ? std::stod(digits) * scale : -1;
  if (!plain || !(bytes >= 0) || bytes >= 9.2e18)
    fail(command, "max-shard-size", "a size such as 5GB, 500MB, 2GiB or a byte count (0: one file)", in_quotes(text));
  return static_cast<std::uint64_t>(bytes);
}

std::string gigabytes(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(bytes >= 100000000 ? 2 : 4) << static_cast<double>(bytes) / 1e9 << " GB";
  return s.str();
}

void run(const init_model_options& o) {
  if (o.out_option->count() == 0) fail(command, "out", "given (--out DIR)", "nothing");
  nninit::checkpoint_options c;
  c.max_shard_bytes = parse_byte_size(o.max_shard_size);
  c.par = o.threads == "all" ? nninit::parallel::all_threads()
                             : nninit::parallel{static_cast<int>(parse_count(command, "threads", o.threads, 1, 1024))};
  const resolved_model m = resolve_model(command, o.model);
  const model_tensors& model = m.model;
  c.seed = m.seed;
  c.tp = m.tp;
  c.metadata = model.metadata;

  // A file-size limit (ulimit -f) would kill the process with SIGXFSZ mid-write; ignored, the
  // write fails with EFBIG instead, and the checkpoint's own error handling removes its files.
  std::signal(SIGXFSZ, SIG_IGN);
  const auto start = std::chrono::steady_clock::now();
  const nninit::checkpoint_result r = nninit::write_checkpoint(o.out, model.tensors, c);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);

  for (const auto& f : r.files) std::cout << "wrote " << f.path << ": " << f.tensors.size() << " tensors, " << gigabytes(f.bytes) << '\n';
  if (!r.index_path.empty()) std::cout << "wrote " << r.index_path << '\n';
  std::cout << model.kind << ", " << model.tensors.size() << " tensors, " << gigabytes(r.tensor_bytes) << ", seed " << c.seed;
  if (c.tp.size > 1) std::cout << ", tensor-parallel rank " << c.tp.rank << " of " << c.tp.size;
  std::cout << "; " << std::fixed << std::setprecision(2) << seconds << " s ("
            << std::setprecision(2) << static_cast<double>(r.tensor_bytes) / 1e9 / std::max(seconds, 1e-9)
            << " GB/s), peak memory " << usage.ru_maxrss / 1024 << " MB\n";
}

}  // namespace

void generate_tensor_bytes(const nninit::checkpoint_tensor& t, const nninit::tensor_slice& slice, std::uint64_t seed,
                           const nninit::parallel& par, nninit::index chunk_values,
                           const std::function<void(const char*, std::size_t)>& sink) {
  nninit::generate_tensor(t, slice, seed, par, chunk_values, sink);
}

void setup_init_model(CLI::App& app) {
  auto o = std::make_shared<init_model_options>();
  CLI::App* sub = app.add_subcommand("init-model", "write a model's initial weights (a seed checkpoint) as safetensors files");
  add_model_options(*sub, o->model);
  o->out_option = sub->add_option("--out", o->out, "the directory to write into (it must exist)")->type_name("DIR");
  sub->add_option("--max-shard-size", o->max_shard_size,
                  "files of at most this many tensor bytes, with an index, as transformers' save_pretrained (5GB = 5e9 "
                  "bytes, 5GiB = 5 * 2^30; 0: one file)")
      ->type_name("SIZE")
      ->capture_default_str();
  sub->add_option("--threads", o->threads, "threads to fill with, or all; the bytes are the same for every count")
      ->type_name("N")
      ->capture_default_str();
  sub->callback([o] { run(*o); });
}

}  // namespace nninit_cli
