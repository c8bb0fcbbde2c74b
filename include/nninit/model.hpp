// nninit: a whole model's named tensors in one call, each with a stream derived from its name, so
// a model initializes (and shards) the same way whatever the order, the process or the split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "registry.hpp"

namespace nninit {

/// The stream id of a tensor named `name`: FNV-1a 64 over the name's bytes (UTF-8 as given, no
/// normalization), offset basis 0xcbf29ce484222325, prime 0x100000001b3 (Fowler, Noll and Vo;
/// the constants and test vectors of the IETF draft draft-eastlake-fnv, "The FNV
/// Non-Cryptographic Hash Algorithm"). Why a hash of the name and not a position: the name is
/// what a checkpoint, a tensor-parallel rank and a refactored model all agree on, so adding,
/// removing or reordering tensors leaves every other tensor's values unchanged. FNV-1a is short,
/// fixed forever by its spec and cheap at compile time; Philox mixes the id afterwards
/// (`tensor_engine`), so FNV's weak avalanche does not matter.
///
/// Part of the reproducibility contract: the values of `init_model` depend on this function, so
/// it will not change within a stream version (CHANGELOG.md).
constexpr std::uint64_t stream_of(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325u;  // FNV-1a 64 offset basis
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3u;  // FNV 64-bit prime, 2^40 + 2^8 + 0xb3
  }
  return h;
}

/// The engine of the tensor named `name` in a model initialized with `seed`:
/// engine(seed).fork(stream_of(name)). What `init_model` fills it with, and what to use to
/// initialize one more tensor of the same model outside the call.
constexpr engine tensor_engine(std::uint64_t seed, std::string_view name) noexcept {
  return engine(seed).fork(stream_of(name));
}

/// Where one tensor's values go: any writable Eigen dense expression of float or double with
/// direct access to its storage (an Eigen::Map over the user's buffer, a Matrix or Array, a
/// block, a Ref), kept as a pointer and strides, so one list holds float and double tensors of
/// any storage order (a 1-D weight: a column or a row vector). Nothing is copied: the storage
/// must outlive the `init_model` call. A temporary matrix is refused at compile time, since it
/// would be gone before the fill.
class tensor_target {
 public:
  template <class Target, std::enable_if_t<!std::is_same_v<detail::target_type<Target>, tensor_target>, int> = 0>
  // Implicit, so that {name, shape, scheme, w} reads best:
  // cppcheck-suppress noExplicitConstructor
  tensor_target(Target&& w) {  // NOLINT(google-explicit-constructor)
    using X = detail::target_type<Target>;
    auto& x = detail::writable(std::forward<Target>(w));
    static_assert((Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) != 0,
                  "nninit: a tensor's target must have direct access to its storage (Map, Matrix, block, Ref)");
    static_assert(std::is_same_v<typename X::Scalar, float> || std::is_same_v<typename X::Scalar, double>,
                  "nninit: init_model takes float and double targets");
    static_assert(!X::IsPlainObjectBase || std::is_lvalue_reference_v<Target>,
                  "nninit: a tensor's target must be the model's storage, not a temporary matrix");
    data_ = x.data();
    rows_ = x.rows();
    cols_ = x.cols();
    row_stride_ = x.rowStride();
    col_stride_ = x.colStride();
  }

  index rows() const { return rows_; }
  index cols() const { return cols_; }

  /// Calls f(map): the target as an Eigen::Map of its scalar type (row-major, with its strides).
  template <class F>
  void visit(F&& f) const {
    std::visit(
        [&](auto* data) {
          using T = std::remove_pointer_t<decltype(data)>;
          f(map<T>(data, rows_, cols_, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(row_stride_, col_stride_)));
        },
        data_);
  }

  template <class T>
  using map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
                         Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

 private:
  std::variant<float*, double*> data_;
  index rows_ = 0, cols_ = 0, row_stride_ = 0, col_stride_ = 0;
};

/// One tensor of a model: its name (its stream, and how messages name it), the logical shape of
/// the WHOLE weight (empty: the target itself, 2-D), the scheme, and the target. A target smaller
/// than the weight's 2-D view is a shard at (shape.row0, shape.col0), as a tensor-parallel rank
/// holds it: it gets the whole weight's fans and exactly those elements of the whole fill.
struct tensor_init {
  std::string name;
  nninit::shape shape;
  initializer scheme;
  tensor_target target;
};

namespace detail {

template <class T>
using row_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A target must lie inside the weight's view at its offset, as `place` requires of any fill;
/// checked here, before anything is written, in init_model's words.
inline void check_fit(const checker& check, const shape& s, index rows, index cols) {
  const bool row_vector = s.dims.size() == 1 && rows == 1 && cols != 1;  // a 1-D weight in a row vector
  const index along_rows = row_vector ? cols : rows, along_cols = row_vector ? 1 : cols;
  if (s.row0 < 0 || s.col0 < 0 || s.row0 > s.rows() - along_rows || s.col0 > s.cols() - along_cols)
    check.fail("target", cat("inside the ", number(s.rows()), "x", number(s.cols()), " view of the weight"),
               cat(number(rows), "x", number(cols), " at (", number(s.row0), ", ", number(s.col0), ")"));
}

}  // namespace detail

/// Initializes every tensor of a model: tensor t gets `t.scheme` filled with
/// tensor_engine(seed, t.name) on `t.shape`, so its values depend on (seed, name, shape, scheme,
/// where the target sits) only, not on the other tensors, their order, or how the model is split:
/// a rank that lists only its shards gets exactly its part of the whole model, with the whole
/// weights' fans (shape.hpp: the Megatron-Bridge #5840 bug), and a tensor shared by two models
/// under one name starts equal in both. `par` is passed to every fill (the bits do not
/// depend on it); tensors are filled one after the other, in list order.
///
/// Validate everything, then write: names (non-empty, unique), `par.threads`, every shape and
/// every scheme's options (`initializer::describe`), every target's place in its weight, and the
/// wiring of schemes developed from data (devfly: developed here into scratch, copied later) are
/// checked before the first write. A bad entry throws init_error, its message ending with
/// " (tensor 'NAME')", and leaves every tensor untouched. A fused weight can be listed as its
/// blocks, each a row block of the fused matrix with its own name and shape.
///
/// A template only so that its instantiations (every scheme's fill, for float and double maps)
/// are compiled in the translation units that call it, not in every one that includes
/// nninit.hpp: as an inline function it added 20 s to each of them.
template <int = 0>
void init_model(const std::vector<tensor_init>& tensors, std::uint64_t seed, const parallel& par = {}) {
  const detail::checker model_check("init_model", "");
  if (par.threads < 1) model_check.fail("threads", ">= 1", detail::number(static_cast<std::int64_t>(par.threads)));

  using staged = std::variant<std::monostate, detail::row_matrix<float>, detail::row_matrix<double>>;
  std::vector<shape> shapes;
  std::vector<staged> developed(tensors.size());
  std::unordered_map<std::string_view, std::size_t> seen;
  shapes.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const tensor_init& t = tensors[i];
    const tensor_target& target = t.target;
    shape s = t.shape;
    if (s.dims.empty()) s.dims = {target.rows(), target.cols()};
    const detail::checker check("init_model", s.text());
    if (t.name.empty())
      check.fail(detail::cat("name of tensor ", detail::number(static_cast<std::int64_t>(i))), "non-empty", "''");
    const auto [first, fresh] = seen.emplace(t.name, i);
    if (!fresh)
      check.fail("name", "unique",
                 detail::cat(detail::quoted(t.name), " twice (tensors ",
                             detail::number(static_cast<std::int64_t>(first->second)), " and ",
                             detail::number(static_cast<std::int64_t>(i)), ")"));
    try {
      shape whole = s;  // describe plans the whole weight, so without the target's offset
      whole.row0 = whole.col0 = 0;
      t.scheme.describe(whole);  // the shape and the options, in the scheme's words
      detail::check_fit(check, s, target.rows(), target.cols());
      if (t.scheme.takes_data()) {  // its data can only be checked by developing the wiring
        target.visit([&](auto map) {
          using T = typename decltype(map)::Scalar;
          detail::row_matrix<T> scratch(map.rows(), map.cols());
          using view = decltype(map);  // the same type as the final fill's: no new instantiation
          t.scheme.fill(view(scratch.data(), map.rows(), map.cols(),
                             Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(map.cols(), 1)),
                        tensor_engine(seed, t.name), s, par);
          developed[i] = std::move(scratch);
        });
      }
    } catch (const init_error& e) {
      throw init_error(detail::cat(e.what(), " (tensor ", detail::quoted(t.name), ")"));
    }
    shapes.push_back(std::move(s));
  }

  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const tensor_init& t = tensors[i];
    t.target.visit([&](auto map) {
      using T = typename decltype(map)::Scalar;
      if (const auto* scratch = std::get_if<detail::row_matrix<T>>(&developed[i])) map = *scratch;
      else t.scheme.fill(std::move(map), tensor_engine(seed, t.name), shapes[i], par);
    });
  }
}

}  // namespace nninit
