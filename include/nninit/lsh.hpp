// nninit: the fly hash of a binary wiring (flyhash, devfly): winner-take-all codes and overlap ranking.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "detail/format.hpp"
#include "shape.hpp"

namespace nninit {

/// A 0/1 wiring (units x inputs) stored as the input list of each unit (ascending), so that
/// hashing costs (inputs read) per unit instead of a dense product.
class sparse_wiring {
 public:
  /// From any dense 0/1 matrix; another value is an init_error naming its (row, column).
  template <class W>
  explicit sparse_wiring(const Eigen::DenseBase<W>& w) : units_(w.rows()), inputs_(w.cols()) {
    const detail::checker check("fly_hash", detail::cat(detail::number(w.rows()), "x", detail::number(w.cols())));
    offsets_.reserve(static_cast<std::size_t>(units_) + 1);
    offsets_.push_back(0);
    for (index j = 0; j < units_; ++j) {
      for (index i = 0; i < inputs_; ++i) {
        const double v = static_cast<double>(w(j, i));
        if (v == 1) list_.push_back(i);
        else if (v != 0)
          check.fail("wiring", "made of 0 and 1", detail::cat(detail::number(v), " at (", detail::number(j), ", ",
                                                                 detail::number(i), ")"));
      }
      offsets_.push_back(static_cast<index>(list_.size()));
    }
  }

  index units() const { return units_; }
  index inputs() const { return inputs_; }
  /// Unit j's inputs: [begin(j), end(j)), ascending.
  const index* begin(index j) const { return list_.data() + offsets_[static_cast<std::size_t>(j)]; }
  const index* end(index j) const { return list_.data() + offsets_[static_cast<std::size_t>(j) + 1]; }

 private:
  index units_, inputs_;
  std::vector<index> offsets_, list_;
};

/// Binary codes with exactly `active` ones among `units` bits per sample.
class wta_codes {
 public:
  wta_codes(index samples, index units, index active)
      : samples_(samples), units_(units), active_(active), words_((units + 63) / 64),
        bits_(static_cast<std::size_t>(samples * words_)), winners_(static_cast<std::size_t>(samples * active)) {}

  index samples() const { return samples_; }
  index units() const { return units_; }
  index active() const { return active_; }
  /// Sample n's active units, ascending.
  const index* winners(index n) const { return winners_.data() + n * active_; }
  bool bit(index n, index unit) const { return (word(n, unit / 64) >> (unit % 64)) & 1u; }
  /// Number of units active in both samples (a of this, b of `other`, which must have as many
  /// units); the Hamming distance is 2 (k - overlap).
  index overlap(index a, const wta_codes& other, index b) const {
    index o = 0;
    for (index w = 0; w < words_; ++w) o += popcount(word(a, w) & other.word(b, w));
    return o;
  }
  index overlap(index a, index b) const { return overlap(a, *this, b); }

  /// Sets sample n's code from its active units (ascending, `active` of them).
  void set(index n, const index* units) {
    std::copy(units, units + active_, winners_.begin() + n * active_);
    std::fill(bits_.begin() + n * words_, bits_.begin() + (n + 1) * words_, std::uint64_t{0});
    for (index t = 0; t < active_; ++t)
      bits_[static_cast<std::size_t>(n * words_ + units[t] / 64)] |= std::uint64_t{1} << (units[t] % 64);
  }

 private:
  std::uint64_t word(index n, index w) const { return bits_[static_cast<std::size_t>(n * words_ + w)]; }
  static index popcount(std::uint64_t v) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(v);
#else
    index c = 0;
    for (; v; v &= v - 1) ++c;
    return c;
#endif
  }
  index samples_, units_, active_, words_;
  std::vector<std::uint64_t> bits_;
  std::vector<index> winners_;
};

namespace detail {
/// Activities of samples [n0, n0 + b) of `x` on every unit, as a (units x b) matrix: unit j sums
/// its inputs of the centred sample in ascending input order (devfly.md §4), sample by sample,
/// so the result does not depend on the batch size or the SIMD width.
inline void fly_activities(const sparse_wiring& wiring, const Eigen::Ref<const Eigen::MatrixXd>& x, index n0, index b,
                           bool center, Eigen::MatrixXd& centred, Eigen::MatrixXd& activity) {
  centred = x.middleRows(n0, b);  // b x d, column i = input i of the batch, contiguous
  if (center) {
    const Eigen::VectorXd mean = centred.rowwise().sum() / static_cast<double>(x.cols());
    centred.colwise() -= mean;
  }
  activity.resize(wiring.units(), b);
  Eigen::VectorXd sum(b);
  for (index j = 0; j < wiring.units(); ++j) {
    sum.setZero();
    for (const index* i = wiring.begin(j); i != wiring.end(j); ++i) sum += centred.col(*i);
    activity.row(j) = sum.transpose();
  }
}
}  // namespace detail

/// The fly hash (devfly.md §4): centre each sample (x - mean(x)), project through the 0/1
/// wiring (a_j = the sum of unit j's inputs), keep the k largest activities (winner-take-all;
/// ties to the lower unit index). `x` has samples as rows and one column per input. Uses the
/// wiring's sparsity: 10 000 x 784 samples into 640 units in about 0.1 s on one core.
inline wta_codes fly_hash(const sparse_wiring& wiring, const Eigen::Ref<const Eigen::MatrixXd>& x, index k,
                          bool center = true) {
  const index m = wiring.units();
  const detail::checker check("fly_hash", detail::cat(detail::number(m), "x", detail::number(wiring.inputs())));
  if (k < 1 || k > m) check.fail("k", detail::cat("in [1, ", detail::number(m), "] (the coding units)"), detail::number(k));
  if (x.cols() != wiring.inputs())
    check.fail("data", detail::cat("a matrix with one column per input (", detail::number(wiring.inputs()), ")"),
               detail::cat(detail::number(x.rows()), "x", detail::number(x.cols())));
  if (!x.allFinite()) check.fail("data", "finite", "a non-finite entry");
  wta_codes codes(x.rows(), m, k);
  constexpr index batch = 128;
  Eigen::MatrixXd centred, activity;
  // The k winners so far as a heap whose top is the weakest (lowest activity; among equal ones
  // the higher unit index). Units arrive in ascending order, so a later unit displaces the
  // weakest only with a strictly larger activity: ties keep the lower index.
  std::vector<std::pair<double, index>> heap;
  const auto weaker = [](const std::pair<double, index>& p, const std::pair<double, index>& q) {
    return p.first > q.first || (p.first == q.first && p.second < q.second);
  };
  std::vector<index> winners(static_cast<std::size_t>(k));
  for (index n0 = 0; n0 < x.rows(); n0 += batch) {
    const index b = std::min(batch, x.rows() - n0);
    detail::fly_activities(wiring, x, n0, b, center, centred, activity);
    for (index s = 0; s < b; ++s) {
      const double* a = activity.col(s).data();
      heap.clear();
      for (index j = 0; j < m; ++j) {
        if (static_cast<index>(heap.size()) < k) {
          heap.emplace_back(a[j], j);
          std::push_heap(heap.begin(), heap.end(), weaker);
        } else if (a[j] > heap.front().first) {
          std::pop_heap(heap.begin(), heap.end(), weaker);
          heap.back() = {a[j], j};
          std::push_heap(heap.begin(), heap.end(), weaker);
        }
      }
      for (index t = 0; t < k; ++t) winners[static_cast<std::size_t>(t)] = heap[static_cast<std::size_t>(t)].second;
      std::sort(winners.begin(), winners.end());
      codes.set(n0 + s, winners.data());
    }
  }
  return codes;
}

/// The fly hash with a dense 0/1 wiring (units x inputs) and any data matrix.
template <class W, class X>
wta_codes fly_hash(const Eigen::DenseBase<W>& wiring, const Eigen::MatrixBase<X>& x, index k, bool center = true) {
  return fly_hash(sparse_wiring(wiring), x.template cast<double>(), k, center);
}

/// The `count` samples of `database` whose codes overlap most with code `query` of `queries`
/// (overlap descending, then lower sample index: devfly.md §5), skipping sample `exclude`
/// (-1: none), best first. O(samples) by bucketing on the overlap.
inline std::vector<index> nearest_by_overlap(const wta_codes& database, const wta_codes& queries, index query,
                                             index count, index exclude = -1) {
  const detail::checker check("nearest_by_overlap", "");
  if (queries.units() != database.units())
    check.fail("queries", detail::cat("codes of the database's ", detail::number(database.units()), " units"),
               detail::number(queries.units()));
  if (query < 0 || query >= queries.samples())
    check.fail("query", detail::cat("in [0, ", detail::number(queries.samples()), ")"), detail::number(query));
  if (count < 0) check.fail("count", ">= 0", detail::number(count));
  const index k = std::max(database.active(), queries.active());
  std::vector<std::vector<index>> bucket(static_cast<std::size_t>(k) + 1);
  for (index n = 0; n < database.samples(); ++n)
    if (n != exclude) bucket[static_cast<std::size_t>(queries.overlap(query, database, n))].push_back(n);
  std::vector<index> out;
  out.reserve(static_cast<std::size_t>(count));
  for (index o = k; o >= 0 && static_cast<index>(out.size()) < count; --o)
    for (index n : bucket[static_cast<std::size_t>(o)]) {
      if (static_cast<index>(out.size()) == count) break;
      out.push_back(n);
    }
  return out;
}

}  // namespace nninit
