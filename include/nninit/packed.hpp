// nninit: packed (fused) weights, such as QKV, gate-up and grouped-query attention projections,
// filled block by block exactly as if each block were its own tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "registry.hpp"

namespace nninit {

/// One block of a packed weight: `rows` outputs with their own scheme and engine, filled as a
/// separate tensor of the weight's shape with `rows` in place of its output dimension.
struct packed_block {
  index rows;          ///< outputs of the block: rows (layout out_in), columns (in_out)
  initializer scheme;  ///< planned on the block's own shape, so with the block's own fans
  engine eng;          ///< the stream the block would have as a separate tensor
  std::string name;    ///< for messages ("q", "gate"); may be empty
};

namespace detail {

/// Which dimension of the weight the blocks split, and whether that runs along the target's
/// columns (the last dimension of the in_out layout, or a 1-D weight held in a row vector).
struct packing {
  std::size_t dim;
  bool along_cols;
};

/// "block 1 'k'", or "block 1" for an unnamed block.
inline std::string block_text(std::size_t i, const std::string& name) {
  std::string s = cat("block ", number(static_cast<std::int64_t>(i)));
  return name.empty() ? s : cat(s, " ", detail::quoted(name));
}

/// Checks the weight and the target, and finds where the blocks go.
inline packing pack_target(const checker& check, const shape& s, index rows, index cols) {
  if (s.groups != 1) check.fail("groups", "1 (the blocks of a grouped conv are not separate tensors)", number(s.groups));
  if (s.transposed) check.fail("transposed", "false (a transposed conv's dimension 0 is its input)", "true");
  if (s.row0 != 0 || s.col0 != 0)
    check.fail("target", "the whole weight (fill_packed does not fill a shard)",
               cat("a block at (", number(s.row0), ", ", number(s.col0), ")"));
  const bool row_vector = s.dims.size() == 1 && rows == 1 && cols != 1;
  const index want_rows = row_vector ? 1 : s.rows(), want_cols = row_vector ? s.dims[0] : s.cols();
  if (rows != want_rows || cols != want_cols)
    check.fail("target", cat(number(want_rows), "x", number(want_cols), ", the weight's 2-D view"),
               cat(number(rows), "x", number(cols)));
  const bool keras = s.order == layout::in_out && s.dims.size() >= 2;
  return {keras ? s.dims.size() - 1 : 0, keras || row_vector};
}

/// The shape of every block, after checking that the blocks tile the split dimension and that
/// each block's scheme accepts its shape (`describe`). Throws before anything is written.
inline std::vector<shape> block_shapes(const checker& check, const shape& whole, const packing& pk,
                                       const std::vector<packed_block>& blocks) {
  if (blocks.empty()) check.fail("blocks", "at least one block", "none");
  const index total = whole.dims[pk.dim];
  index sum = 0;
  std::string terms;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const packed_block& b = blocks[i];
    if (b.rows < 1) check.fail(cat("rows of ", block_text(i, b.name)), ">= 1", number(b.rows));
    sum = b.rows > std::numeric_limits<index>::max() - sum ? std::numeric_limits<index>::max() : sum + b.rows;
    terms.append(i ? " + " : "").append(number(b.rows));
    if (!b.name.empty()) terms.append(" (").append(b.name).append(")");
  }
  if (sum != total)
    check.fail("the sum of the blocks' rows",
               cat(number(total), ", the weight's dimension ", number(static_cast<std::int64_t>(pk.dim))),
               cat(terms, " = ", number(sum)));
  std::vector<shape> shapes;
  shapes.reserve(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    shape s = whole;
    s.dims[pk.dim] = blocks[i].rows;
    try {
      blocks[i].scheme.describe(s);
    } catch (const init_error& e) {
      throw init_error(cat(e.what(), " (", block_text(i, blocks[i].name), " of the packed ", whole.text(), " weight)"));
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

}  // namespace detail

/// Fills a packed weight block by block: block i gets exactly the values its scheme and engine
/// would give a separate tensor of its own shape, so the fused model starts bit-identical to the
/// unfused one, and fan-based schemes see each block's fans. That fixes pytorch/pytorch#166378,
/// where xavier_uniform_ on MultiheadAttention's packed (3E, E) in_proj_weight uses fan_out = 3E
/// and gives Q, K and V half the variance of three separate (E, E) projections.
///
/// `s` is the whole weight's shape (empty: the target itself, 2-D out_in). The blocks stack
/// along the outputs: dimension 0 in PyTorch's layout (rows of the target; conv kernels too, so
/// a (2C, C, 3, 3) weight splits into (C, C, 3, 3) blocks), the last dimension in the Keras/JAX
/// in_out layout (columns of the target), and the elements of a 1-D weight (a fused bias, in a
/// column or a row vector). The target must be the whole weight: grouped, transposed and sharded
/// weights are refused. Every block, the tiling (rows >= 1, summing to the output dimension) and
/// each block's plan on its own shape are checked before the first write; errors are init_error
/// naming the block, and leave the target untouched. A Llama-3-8B layer's fused (6144, 4096) QKV:
///   nninit::fill_packed(wqkv, nninit::qkv_blocks(32, 8, 128, nninit::initializer("xavier_uniform"), eng));
template <class Target>
void fill_packed(Target&& w, const std::vector<packed_block>& blocks, const shape& s = {}) {
  auto& target = detail::writable(std::forward<Target>(w));
  shape whole = s;
  if (whole.dims.empty()) whole.dims = {target.rows(), target.cols()};
  detail::check_dims("fill_packed", whole);
  const detail::checker check("fill_packed", whole.text());
  const detail::packing pk = detail::pack_target(check, whole, target.rows(), target.cols());
  const std::vector<shape> shapes = detail::block_shapes(check, whole, pk, blocks);
  index first = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const packed_block& b = blocks[i];
    if (pk.along_cols) b.scheme.fill(target.middleCols(first, b.rows), b.eng, shapes[i]);
    else b.scheme.fill(target.middleRows(first, b.rows), b.eng, shapes[i]);
    first += b.rows;
  }
}

/// The [Q; K; V] blocks of a fused attention input projection (PyTorch MultiheadAttention's
/// in_proj_weight, nanoGPT's c_attn, vLLM's QKVParallelLinear): Q has n_heads * head_dim
/// outputs, K and V n_kv_heads * head_dim each (grouped-query attention when n_kv_heads <
/// n_heads, multi-query when 1), each with `scheme` and the streams eng.fork(0), fork(1),
/// fork(2): the values of three separate projections filled with those engines. Their inputs
/// (d_model) are the weight's. Change a block's scheme to give it its own rule (a zero query for
/// μP). Megatron-LM's per-group interleaved layout is not this one.
inline std::vector<packed_block> qkv_blocks(index n_heads, index n_kv_heads, index head_dim, const initializer& scheme,
                                            const engine& eng) {
  const detail::checker check("qkv_blocks", "");
  check.positive_count("n_heads", n_heads);
  check.positive_count("n_kv_heads", n_kv_heads);
  check.positive_count("head_dim", head_dim);
  if (n_heads % n_kv_heads != 0)
    check.fail("n_kv_heads", detail::cat("a divisor of n_heads = ", detail::number(n_heads)), detail::number(n_kv_heads));
  if (head_dim > (index{1} << 58) / n_heads)
    check.fail("head_dim", "at most 2^58 / n_heads", detail::number(head_dim));
  return {{n_heads * head_dim, scheme, eng.fork(0), "q"},
          {n_kv_heads * head_dim, scheme, eng.fork(1), "k"},
          {n_kv_heads * head_dim, scheme, eng.fork(2), "v"}};
}

/// The [gate; up] blocks of a fused SwiGLU input projection (vLLM's gate_up_proj, Phi-3's
/// gate_up_proj): d_ff outputs each, with `scheme` and the streams eng.fork(0), fork(1). Their
/// inputs (d_model) are the weight's. torchtitan gives the up projection (w3) its depth-scaled
/// std and the gate (w1) 0.02: set blocks[1].scheme for that. torchtitan's own fused w13
/// interleaves gate and up rows, which is not this layout.
inline std::vector<packed_block> gate_up_blocks(index d_ff, const initializer& scheme, const engine& eng) {
  detail::checker("gate_up_blocks", "").positive_count("d_ff", d_ff);
  return {{d_ff, scheme, eng.fork(0), "gate"}, {d_ff, scheme, eng.fork(1), "up"}};
}

}  // namespace nninit
