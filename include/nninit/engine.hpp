// nninit: the engine every random initializer takes.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "philox.hpp"

namespace nninit {

namespace detail {
/// Which family of values a counter belongs to. Eight bits of the counter hold it, so that the
/// values of a weight, the ranking keys of `sparse` and a preset's bias never share a block.
/// `wiring`, `sample_order` and `weighted_choice` key the sub-streams of flyhash and devfly
/// (detail/wiring.hpp).
enum class domain : std::uint32_t {
  values = 0,
  sparse_rank = 1,
  bias = 2,
  wiring = 3,
  sample_order = 4,
  weighted_choice = 5,
  fork = 255
};

/// The domain of a value's second draw in domain d (values 0-126 map to 128-254): the
/// truncated normal's redraw of a normal value that fell outside its interval (detail/sample.hpp).
constexpr domain redraw_domain(domain d) noexcept {
  return static_cast<domain>(static_cast<std::uint32_t>(d) | 0x80u);
}
}  // namespace detail

/// A seed and a stream id: the whole source of randomness of a fill.
///
/// Every random value nninit writes is a pure function of (seed, stream, logical element index,
/// scheme options): the engine has no state, fills never advance it, and the same engine gives
/// the same tensor however the target is stored, sharded or threaded. Give every parameter its
/// own stream (`engine{seed, layer_id}` or `base.fork(layer_id)`); reusing one engine for two
/// tensors of the same shape gives them the same values, exactly as reusing a JAX key does.
///
/// Philox4x32-10 key = seed; counter = (block index: 56 bits, domain: 8 bits, stream: 64 bits).
class engine {
 public:
  constexpr explicit engine(std::uint64_t seed, std::uint64_t stream = 0) noexcept : seed_(seed), stream_(stream) {}

  constexpr std::uint64_t seed() const noexcept { return seed_; }
  constexpr std::uint64_t stream() const noexcept { return stream_; }

  /// A child engine with the same seed and a stream derived from (this stream, child): a
  /// deterministic way to hand out per-layer streams without shared mutable state.
  /// `child` is a block index, so only its low 56 bits count: fork(c) and fork(c + 2^56) are the
  /// same engine. Named streams (model.hpp's stream_of, a 64-bit hash) therefore differ on 56
  /// bits: two names share a stream with probability 2^-56. Widening this would change every
  /// forked stream, so it stays.
  constexpr engine fork(std::uint64_t child) const noexcept {
    const auto w = block(detail::domain::fork, child);
    return engine(seed_, (static_cast<std::uint64_t>(w[1]) << 32) | w[0]);
  }

  /// The four 32-bit words of Philox block `index` of `domain` in this stream.
  constexpr philox4x32::counter_type block(detail::domain d, std::uint64_t index) const noexcept {
    const philox4x32::counter_type ctr = {
        static_cast<std::uint32_t>(index),
        static_cast<std::uint32_t>((index >> 32) & 0x00FFFFFFu) | (static_cast<std::uint32_t>(d) << 24),
        static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)};
    return philox4x32::block(ctr, {static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)});
  }

  /// Largest number of blocks a stream holds per domain (2^56).
  static constexpr std::uint64_t max_blocks = std::uint64_t{1} << 56;

  friend constexpr bool operator==(const engine& a, const engine& b) noexcept {
    return a.seed_ == b.seed_ && a.stream_ == b.stream_;
  }
  friend constexpr bool operator!=(const engine& a, const engine& b) noexcept { return !(a == b); }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
};

namespace detail {

template <class G, class = void>
struct is_urbg : std::false_type {};
template <class G>
struct is_urbg<G, std::void_t<typename G::result_type, decltype(G::min()), decltype(G::max()),
                              decltype(std::declval<G&>()())>>
    : std::bool_constant<std::is_unsigned_v<typename G::result_type>> {};

/// An nninit::engine or a standard URBG: what a random fill accepts as its source.
template <class R>
inline constexpr bool is_random_source =
    std::is_same_v<std::remove_cv_t<std::remove_reference_t<R>>, engine> ||
    is_urbg<std::remove_cv_t<std::remove_reference_t<R>>>::value;

/// 64 uniformly random bits from any standard URBG, with no `std::` distribution involved
/// (their algorithms are implementation-defined). Ranges that are not a power of two are
/// reduced by rejection to the largest power of two they contain.
template <class G>
std::uint64_t draw_u64(G& g) {
  using R = typename G::result_type;
  const std::uint64_t span = static_cast<std::uint64_t>(G::max()) - static_cast<std::uint64_t>(G::min());
  int length = 0;  // bit length of span
  while (length < 64 && (span >> length) != 0) ++length;
  const bool full = length == 64 ? span == ~std::uint64_t{0} : span == (std::uint64_t{1} << length) - 1;
  const int bits = full ? length : length - 1;  // whole random bits per accepted draw
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  std::uint64_t out = 0;
  int have = 0;
  while (have < 64) {
    std::uint64_t v;
    do {
      v = static_cast<std::uint64_t>(static_cast<R>(g() - G::min()));
    } while (v > mask);
    out |= have == 0 ? v : (v << have);
    have += bits;
  }
  return out;
}

/// The engine a fill uses: the engine itself, or, for a standard URBG, an engine whose seed is
/// drawn from it (stream 0), so a URBG takes exactly the same path as a seed.
inline engine to_engine(const engine& e) noexcept { return e; }
template <class G, std::enable_if_t<is_urbg<std::remove_cv_t<G>>::value, int> = 0>
engine to_engine(G& g) {
  return engine(draw_u64(g));
}

}  // namespace detail
}  // namespace nninit
