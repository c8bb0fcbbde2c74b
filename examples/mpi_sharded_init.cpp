// Tensor-parallel initialization with MPI: every rank fills only its own shard, with no
// communication, and the gathered model is bit-identical to a single-process fill.
//
// The model is Megatron-shaped: a vocabulary-parallel embedding (split by rows), column-parallel
// linears (QKV and MLP up, split by output features = rows of the (out, in) weight) and
// row-parallel linears (attention output and MLP down, split by input features = columns). Each
// rank describes its shard as a block of the full weight, `shape{out, in}.at(row0, col0)`, so the
// fans are the full weight's and the values are exactly the full fill's; the engine of each
// tensor comes from its name (`nninit::tensor_engine(seed, name)`), so no rank needs to know
// which rank fills what. Splits need not be even (the vocabulary here is not a multiple of R).
//
// The same recipe works inside torch.distributed or a Megatron-style trainer: map each rank's
// local parameter (`param.data_ptr<float>()`, shape of the shard) as a row-major Eigen matrix and
// call the scheme with the full weight's shape `.at(first row, first column)` of the shard.
//
// Run: mpirun -np R example_mpi_sharded_init. Rank 0 gathers every shard, fills the whole model
// itself and compares bytes. Exit status 0 when every tensor is identical.
#include <mpi.h>

#include <nninit/nninit.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using nninit::index;

enum class split { rows, cols };

struct parameter {
  std::string name;
  index rows, cols;  // the full (out, in) weight
  split along;
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> options;
};

std::vector<parameter> model(index vocab, index d, index ffn, int layers) {
  std::vector<parameter> ps = {{"embed.weight", vocab, d, split::rows, "normal", {{"std", "0.02"}}}};
  for (int l = 0; l < layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    ps.push_back({p + "attn.qkv.weight", 3 * d, d, split::rows, "xavier_uniform", {}});
    ps.push_back({p + "attn.out.weight", d, d, split::cols, "trunc_normal", {{"std", "0.02"}}});
    ps.push_back({p + "mlp.up.weight", ffn, d, split::rows, "kaiming_uniform", {{"nonlinearity", "relu"}}});
    ps.push_back({p + "mlp.down.weight", d, ffn, split::cols, "kaiming_normal", {{"mode", "fan_out"}}});
  }
  return ps;
}

/// Rank r's share [begin, end) of n items over R ranks: sizes differ by at most one.
std::pair<index, index> share(index n, int r, int ranks) { return {n * r / ranks, n * (r + 1) / ranks}; }

nninit::initializer initializer_of(const parameter& p) {
  nninit::initializer init(p.scheme);
  for (const auto& [option, value] : p.options) init.set(option, value);
  return init;
}

/// This rank's shard of p, filled with the whole weight's fans and values.
row_major local_shard(const parameter& p, int rank, int ranks, std::uint64_t seed) {
  const auto [begin, end] = share(p.along == split::rows ? p.rows : p.cols, rank, ranks);
  row_major shard(p.along == split::rows ? end - begin : p.rows, p.along == split::rows ? p.cols : end - begin);
  nninit::shape s{p.rows, p.cols};
  if (p.along == split::rows) s.at(begin, 0);
  else s.at(0, begin);
  initializer_of(p).fill(shard, nninit::tensor_engine(seed, p.name), s);
  return shard;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::uint64_t seed = 1234;
  const std::vector<parameter> params = model(1003, 96, 384, 2);

  int identical = 1;
  for (const parameter& p : params) {
    const row_major shard = local_shard(p, rank, ranks, seed);
    // Rank 0 gathers every rank's shard, each a row-major block, and places it in the weight.
    const int count = static_cast<int>(shard.size());
    std::vector<int> counts(ranks), offsets(ranks);
    MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<float> gathered;
    if (rank == 0) {
      for (int r = 1; r < ranks; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
      gathered.resize(static_cast<std::size_t>(p.rows * p.cols));
    }
    MPI_Gatherv(shard.data(), count, MPI_FLOAT, gathered.data(), counts.data(), offsets.data(), MPI_FLOAT, 0,
                MPI_COMM_WORLD);
    if (rank != 0) continue;
    row_major assembled(p.rows, p.cols);
    for (int r = 0; r < ranks; ++r) {
      const auto [begin, end] = share(p.along == split::rows ? p.rows : p.cols, r, ranks);
      const float* block = gathered.data() + offsets[r];
      if (p.along == split::rows)
        assembled.middleRows(begin, end - begin) = Eigen::Map<const row_major>(block, end - begin, p.cols);
      else
        assembled.middleCols(begin, end - begin) = Eigen::Map<const row_major>(block, p.rows, end - begin);
    }
    row_major whole(p.rows, p.cols);
    initializer_of(p).fill(whole, nninit::tensor_engine(seed, p.name));
    const bool same = std::memcmp(whole.data(), assembled.data(), sizeof(float) * static_cast<std::size_t>(whole.size())) == 0;
    std::printf("%-26s %5lld x %-4lld %-15s split by %s over %d rank(s): %s\n", p.name.c_str(),
                static_cast<long long>(p.rows), static_cast<long long>(p.cols), p.scheme.c_str(),
                p.along == split::rows ? "rows" : "cols", ranks, same ? "bit-identical" : "DIFFERENT");
    identical &= same ? 1 : 0;
  }
  MPI_Bcast(&identical, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return identical ? 0 : 1;
}
