// nninit tool: `nninit fill SCHEME --shape ... --out FILE.npy`.
//
// The weight's 2-D view (shape.rows() x shape.cols(), row-major, which is the C order of the
// logical shape) is filled by the library and written with the logical shape; with --block,
// only a ROWS x COLS block of the view is filled, through the library's block support
// (shape.at(R0, C0)), and written as a 2-D array equal to that block of the full fill.
#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <iostream>
#include <memory>
#include <nninit/engine.hpp>
#include <nninit/parallel.hpp>
#include <nninit/torch_generator.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "npy.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

constexpr std::string_view command = "fill";

struct fill_options {
  weight_args weight;
  std::string seed = "0";
  std::string stream = "0";
  std::string dtype = "float32";
  std::string threads = "1";
  std::string engine = "philox";
  std::string block;
  std::string out;
  std::string data;
  CLI::Option* block_option = nullptr;
  CLI::Option* data_option = nullptr;
  CLI::Option* out_option = nullptr;
  CLI::Option* stream_option = nullptr;
};

/// A block of the weight's 2-D view.
struct block {
  nninit::index row0 = 0, col0 = 0, rows = 0, cols = 0;
};

std::uint64_t parse_counter(std::string_view argument, const std::string& text) {
  const auto v = parse_uint64(text);
  if (!v) fail(command, argument, "an integer in [0, 2^64)", in_quotes(text));
  return *v;
}

/// --threads: an integer in [1, 1024], or "all".
nninit::parallel parse_threads(const std::string& text) {
  if (text == "all") return nninit::parallel::all_threads();
  const auto v = parse_int64(text);
  if (!v || *v < 1 || *v > 1024) fail(command, "threads", "an integer in [1, 1024] or all", in_quotes(text));
  return nninit::parallel{static_cast<int>(*v), {}};
}

block parse_block(const std::string& text, const nninit::shape& s) {
  const auto v = parse_int64_list(text);
  if (!v || v->size() != 4 || (*v)[0] < 0 || (*v)[1] < 0 || (*v)[2] < 1 || (*v)[3] < 1)
    fail(command, "block", "R0,C0,ROWS,COLS: four integers, R0 and C0 >= 0, ROWS and COLS >= 1", in_quotes(text));
  const block b{(*v)[0], (*v)[1], (*v)[2], (*v)[3]};
  // The library checks this too, but only once the block's matrix exists: refuse before allocating it.
  const nninit::index rows = s.rows(), cols = s.cols();
  if (b.rows > rows || b.cols > cols || b.row0 > rows - b.rows || b.col0 > cols - b.cols)
    fail(command, "block", "inside the " + std::to_string(rows) + "x" + std::to_string(cols) + " view of the weight",
         std::to_string(b.rows) + "x" + std::to_string(b.cols) + " at (" + std::to_string(b.row0) + ", " +
             std::to_string(b.col0) + ")");
  return b;
}

/// Fills a rows x cols row-major matrix placed at (row0, col0) of the view, then writes it.
template <class T>
void fill_and_write(const weight& w, const nninit::engine& eng, const block& b, const nninit::parallel& par,
                    const std::vector<std::int64_t>& file_shape, const std::string& out) {
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  matrix m(static_cast<Eigen::Index>(b.rows), static_cast<Eigen::Index>(b.cols));
  nninit::shape at = w.shape;
  at.at(b.row0, b.col0);
  w.init.fill(m, eng, at, par);
  write_npy<T>(command, out, file_shape, m.data(), static_cast<std::size_t>(m.size()));
}

/// --engine torch: the whole weight from PyTorch's generator after torch.manual_seed(seed).
template <class T>
void fill_and_write_torch(const weight& w, std::uint64_t seed, const std::string& out) {
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  matrix m(static_cast<Eigen::Index>(w.shape.rows()), static_cast<Eigen::Index>(w.shape.cols()));
  nninit::torch_generator gen(seed);
  w.init.fill(m, gen, w.shape);
  write_npy<T>(command, out, w.shape.dims, m.data(), static_cast<std::size_t>(m.size()));
}

void run(const fill_options& o) {
  weight w = resolve(command, o.weight);
  const std::uint64_t seed = parse_counter("seed", o.seed);
  const std::uint64_t stream = parse_counter("stream", o.stream);
  if (o.dtype != "float16" && o.dtype != "float32" && o.dtype != "float64")
    fail(command, "dtype", "float16, float32 or float64", in_quotes(o.dtype));
  const nninit::parallel par = parse_threads(o.threads);
  if (o.out_option->count() == 0) fail(command, "out", "given (--out FILE.npy)", "nothing");
  if (o.out.empty()) fail(command, "out", "a file path or - (standard output)", "''");
  // Checked before filling, which can take minutes. With the .npy on stdout, the line saying
  // what was written goes to stderr: stdout carries the file's bytes alone.
  const bool out_is_stdout = check_outputs(command, {{"out", o.out}});
  if (o.engine != "philox" && o.engine != "torch") fail(command, "engine", "philox or torch", in_quotes(o.engine));
  const bool torch = o.engine == "torch";
  const bool is_block = o.block_option->count() > 0;
  if (torch) {  // PyTorch's generator: whole float tensors, one sequence, no streams
    if (o.dtype == "float16") fail(command, "dtype", "float32 or float64 with --engine torch", in_quotes(o.dtype));
    if (is_block) fail(command, "block", "absent with --engine torch (it draws whole tensors)", in_quotes(o.block));
    if (o.stream_option->count() > 0)
      fail(command, "stream", "absent with --engine torch (torch.manual_seed has no streams)", in_quotes(o.stream));
  }

  const block b = is_block ? parse_block(o.block, w.shape) : block{0, 0, w.shape.rows(), w.shape.cols()};
  // The target as the library's messages name it.
  const std::string target = is_block ? std::to_string(b.rows) + "x" + std::to_string(b.cols) + " block at (" +
                                            std::to_string(b.row0) + ", " + std::to_string(b.col0) + ") of a " +
                                            w.shape.text()
                                      : w.shape.text();
  apply_sets(command, o.weight.sets, w.init, target);
  w.init.describe(w.shape);  // every option and the shape checked before any memory is taken
  const bool has_data = o.data_option->count() > 0;
  if (has_data && !w.init.takes_data())
    fail(command, "data", "given only to a scheme developed from data (devfly)", std::string(w.init.name()));
  if (!has_data && w.init.takes_data())
    fail(command, "data", "given: --data X.npy, the samples (rows) to develop the wiring from", "nothing");
  if (has_data) {
    const npy_matrix x = read_npy_matrix(command, "data", o.data);
    using rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    w.init.set_data(std::make_shared<const Eigen::MatrixXd>(Eigen::Map<const rows>(x.values.data(), x.rows, x.cols)));
  }

  const std::vector<std::int64_t> file_shape = is_block ? std::vector<std::int64_t>{b.rows, b.cols} : w.shape.dims;
  const nninit::engine eng(seed, stream);
  if (torch && o.dtype == "float32") fill_and_write_torch<float>(w, seed, o.out);
  else if (torch) fill_and_write_torch<double>(w, seed, o.out);
  else if (o.dtype == "float16") fill_and_write<Eigen::half>(w, eng, b, par, file_shape, o.out);
  else if (o.dtype == "float32") fill_and_write<float>(w, eng, b, par, file_shape, o.out);
  else fill_and_write<double>(w, eng, b, par, file_shape, o.out);

  std::ostream& said = out_is_stdout ? std::cerr : std::cout;
  said << "wrote " << (o.out == "-" ? std::string("standard output") : o.out) << ": " << o.dtype << ' ' << target
       << ", " << w.init.name() << ", seed " << seed;
  if (torch) said << ", engine torch\n";
  else said << ", stream " << stream << '\n';
}

}  // namespace

void setup_fill(CLI::App& app) {
  auto options = std::make_shared<fill_options>();
  CLI::App* sub = app.add_subcommand("fill", "fill a weight (or a block of its 2-D view) and write it as a .npy file");
  add_weight_options(*sub, options->weight);
  sub->add_option("--seed", options->seed, "the engine's seed, an integer in [0, 2^64)")
      ->type_name("S")
      ->capture_default_str();
  options->stream_option =
      sub->add_option("--stream", options->stream, "the engine's stream (one per parameter), an integer in [0, 2^64)")
          ->type_name("K")
          ->capture_default_str();
  sub->add_option("--engine", options->engine,
                  "philox (nninit's counter-based engine) or torch (PyTorch's CPU generator: the tensor "
                  "torch.manual_seed(S) and the same torch.nn.init call give, to the bit, for schemes that draw a "
                  "uniform or a normal; float32/float64, whole tensors, one thread)")
      ->type_name("NAME")
      ->capture_default_str();
  sub->add_option("--dtype", options->dtype,
                  "float16 (values computed in float32, rounded once), float32 or float64")
      ->type_name("DTYPE")
      ->capture_default_str();
  sub->add_option("--threads", options->threads,
                  "threads to fill with, or 'all' (one per hardware thread); the output is the same bytes for every "
                  "count")
      ->type_name("N")
      ->capture_default_str();
  options->block_option =
      sub->add_option("--block", options->block,
                      "only this block of the 2-D view (rows x cols), written as a ROWS x COLS array equal to the "
                      "same block of the whole fill")
          ->type_name("R0,C0,ROWS,COLS");
  options->data_option =
      sub->add_option("--data", options->data,
                      "devfly: the samples to develop the wiring from, a 2-D float32 or float64 .npy file with one "
                      "row per sample and one column per input")
          ->type_name("X.npy");
  options->out_option =
      sub->add_option("--out", options->out,
                      "the .npy file to write (required): a file is replaced atomically, through symlinks (the "
                      "link stays); a device, FIFO or socket is written in place; - is standard output (the "
                      "'wrote' line then goes to stderr)")
          ->type_name("FILE.npy");
  sub->callback([options] { run(*options); });
}

}  // namespace nninit_cli
