// nninit: devfly, binary wiring developed from data (DevFly).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/scheme_base.hpp"
#include "detail/wiring.hpp"

namespace nninit {

/// What a devfly development did: the wiring as index sets, and what it skipped on the way.
struct devfly_development {
  std::vector<std::vector<index>> units;  ///< the inputs of each coding unit (row), ascending
  index developed = 0;         ///< units built from samples; the rest are FlyHash rows (random_rest)
  index samples_visited = 0;   ///< sample visits that were considered (all passes)
  index duplicates = 0;        ///< samples skipped: their input set equals an earlier unit's
  index constant_samples = 0;  ///< samples skipped: every entry equal (centred, they are all 0)
  index passes = 1;            ///< passes over the data (methods 2 and 3)
  double final_threshold = std::numeric_limits<double>::quiet_NaN();  ///< the gate's theta at the end (2, 3)
};

namespace scheme {

/// DevFly (NeurIPS 2022, "Bio-inspired development of binary connections for locality preserving
/// sparse codes"; official code InsectRobotics/DevFlyPublication, LSH/lshutils.py): the (m x d)
/// 0/1 wiring of a fly hash, developed from data (samples as rows) instead of drawn at random.
/// Every unit reads c = floor(alpha * d) inputs; units are built one after another and an
/// earlier unit never changes, so developing m + k units leaves the first m rows as they were.
///
/// - method 1 (the code's FlylshDevelope; the abstract's "strongest input dimensions in
///   successive samples are wired to each successive coding dimension"): samples in order, unit
///   t reads the top-c inputs of the next sample.
/// - method 2 (FlylshDevelopThreshold): a novelty gate. A sample builds the next unit only when
///   its largest activity on the units so far is < theta; theta starts at novelty_threshold
///   (raw data units) and is multiplied by growth after each pass over the data.
/// - method 3 (FlylshDevelopThresholdRandomChoice): method 2's gate, but the c inputs are drawn
///   without replacement with probabilities proportional to the raw sample (shifted by -min when
///   negative, plus 1e-10): each draw is one engine uniform u, and the input is the first, in
///   ascending order, at which the remaining weights' running sum exceeds u * their total.
///
/// Top-c takes the largest signed values of the centred sample (x - mean(x)); ties go to the
/// lower input index. Deviations from the code, as devfly.md §3 and §8 recommend: a sample whose
/// input set equals an earlier unit's is skipped (the code's duplicate check has no effect), a
/// constant sample is skipped, and running out of samples is an init_error (the code raises or
/// loops forever) unless random_rest fills the remaining units with FlyHash rows. Methods 1 and
/// 2 use no randomness unless shuffle is set; shuffle, method 3 and random_rest need an engine.
struct devfly : detail::scheme_base<devfly> {
  static constexpr std::string_view name = "devfly";
  static constexpr std::string_view reference = "DevFly (NeurIPS 2022), official code's methods 1-3";
  static constexpr bool is_random = false;
  index connections = -1;          ///< inputs per unit; -1: floor(alpha * inputs)
  double alpha = 0.1;              ///< fraction of the inputs each unit reads, when connections is -1
  index method = 1;                ///< 1, 2 or 3 (above)
  double novelty_threshold = 10;   ///< methods 2, 3: theta_0 in raw data units (the code: 10; GloVe 1)
  double growth = 1.2;             ///< methods 2, 3: theta's factor per pass, > 1
  bool center = true;              ///< subtract each sample's mean (the code's shift=True)
  bool shuffle = false;            ///< visit the samples in an order drawn from the engine
  bool random_rest = false;        ///< when samples run out, FlyHash rows instead of an error
  /// The data the registry's fill develops from (`nninit fill devfly --data X.npy`); the calls
  /// below that take the data as an argument ignore it.
  std::shared_ptr<const Eigen::MatrixXd> data{};

  template <class V> void visit_options(V&& v) {
    v("connections", connections, "inputs each unit (row) reads; -1: floor(alpha x inputs)");
    v("alpha", alpha, "fraction of the inputs each unit reads when connections is -1, in (0, 1]");
    v("method", method, "1: successive samples; 2: novelty gate; 3: novelty gate, weighted random choice");
    v("novelty_threshold", novelty_threshold, "methods 2 and 3: the gate's first theta, in raw data units, > 0");
    v("growth", growth, "methods 2 and 3: theta's factor after each pass over the data, > 1");
    v("center", center, "subtract each sample's mean before choosing inputs and gating");
    v("shuffle", shuffle, "visit the samples in an order drawn from the engine instead of the given order");
    v("random_rest", random_rest, "when the samples run out, fill the remaining rows with FlyHash wiring");
  }

  plan make_plan(const detail::context& ctx) const {
    if (method < 1 || method > 3) ctx.check.fail("method", "1, 2 or 3", detail::number(method));
    ctx.check.positive("novelty_threshold", novelty_threshold);
    if (!(std::isfinite(growth) && growth > 1)) ctx.check.fail("growth", "finite and > 1", growth);
    ctx.require_rank(2, 2, "2-D (coding units x inputs)");
    plan p{name, ctx.shape, distribution::binary_wiring};
    p.connections = detail::connections_for(ctx.check, connections, alpha, ctx.geom.view_cols);
    p.value = 1;
    p.note = detail::cat("developed from data by method ", detail::number(method), shuffle ? ", shuffled order" : "",
                         random_rest ? ", FlyHash rows when the samples run out" : "");
    return p;
  }

  /// Fills `w` (units x inputs) with wiring developed from `x` (samples x inputs): deterministic.
  template <class Target, class Data>
  void operator()(Target&& w, const Eigen::MatrixBase<Data>& x, const shape& s = {}) const {
    fill(detail::writable(std::forward<Target>(w)), x, nullptr, s);
  }
  /// The same, with an engine (or URBG) for shuffle, method 3 and random_rest.
  template <class Target, class Data, class Rng, std::enable_if_t<detail::is_random_source<Rng>, int> = 0>
  void operator()(Target&& w, const Eigen::MatrixBase<Data>& x, Rng&& rng, const shape& s = {}) const {
    const engine eng = detail::to_engine(rng);
    fill(detail::writable(std::forward<Target>(w)), x, &eng, s);
  }
  /// The registry's call: develops from the `data` member.
  template <class Target, class Rng, std::enable_if_t<detail::is_random_source<Rng>, int> = 0>
  void operator()(Target&& w, Rng&& rng, const shape& s = {}) const {
    auto& target = detail::writable(std::forward<Target>(w));
    if (!data) {
      detail::resolve(name, s, target.rows(), target.cols())
          .check.fail("data", "set: a samples x inputs matrix to develop from (nninit fill devfly --data X.npy)", "none");
    }
    const engine eng = detail::to_engine(rng);
    fill(target, *data, &eng, s);
  }

  /// The development alone: `units` coding units from `x`, with `eng` for shuffle, method 3 and
  /// random_rest (nullptr: none). `check` names the target in messages.
  template <class Data>
  devfly_development develop(const Eigen::MatrixBase<Data>& x, index units, const engine* eng,
                             const detail::checker& check) const {
    const Eigen::Ref<const Eigen::MatrixXd> xd = x.template cast<double>();
    return develop_impl(xd, units, eng, check);
  }

 private:
  template <class X, class Data>
  void fill(X& w, const Eigen::MatrixBase<Data>& x, const engine* eng, const shape& s) const {
    const detail::context ctx = detail::resolve(name, s, w.rows(), w.cols());
    make_plan(ctx);  // the options, before the data
    const auto& g = ctx.geom;
    if (x.cols() != g.view_cols)
      ctx.check.fail("data", detail::cat("a matrix with one column per input (", detail::number(g.view_cols), ")"),
                     detail::cat(detail::number(x.rows()), "x", detail::number(x.cols())));
    if (ctx.empty()) return;
    detail::write_wiring(w, g, develop(x, g.view_rows, eng, ctx.check).units);
  }

  devfly_development develop_impl(const Eigen::Ref<const Eigen::MatrixXd>& x, index units, const engine* eng,
                                  const detail::checker& check) const {
    using detail::cat;
    using detail::number;
    const index n_samples = x.rows(), d = x.cols();
    const index c = detail::connections_for(check, connections, alpha, d);
    if (eng == nullptr && (shuffle || method == 3 || random_rest))
      check.fail("engine", cat("passed (", shuffle ? "shuffle" : method == 3 ? "method 3" : "random_rest",
                               " draws from it)"), "none");
    if (n_samples < units && !random_rest)
      check.fail("data", cat("a matrix with at least as many samples (rows) as the ", number(units), " coding units"),
                 cat(number(n_samples), " samples"));
    if (!x.allFinite()) {  // name the first non-finite entry in row-major order
      index r0 = n_samples, c0 = d;
      for (index col = 0; col < d; ++col)
        for (index row = 0; row < r0; ++row)
          if (!std::isfinite(x(row, col))) {
            r0 = row, c0 = col;
            break;
          }
      check.fail("data", "finite", cat(number(x(r0, c0)), " at sample ", number(r0), ", input ", number(c0)));
    }

    devfly_development dev;
    std::vector<index> order = detail::iota_indices(n_samples);
    if (shuffle) {  // Fisher-Yates from the end: position t swaps with a uniform position <= t
      detail::word_source draws(detail::substream(*eng, detail::domain::sample_order, 0));
      for (index t = n_samples - 1; t > 0; --t)
        std::swap(order[static_cast<std::size_t>(t)],
                  order[static_cast<std::size_t>(draws.below(static_cast<std::uint64_t>(t) + 1))]);
    }
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(n_samples);
    std::vector<char> usable(static_cast<std::size_t>(n_samples));
    for (index n = 0; n < n_samples; ++n) {
      double sum = 0;
      bool constant = true;
      for (index i = 0; i < d; ++i) sum += x(n, i), constant = constant && x(n, i) == x(n, 0);
      if (center) mean[n] = sum / static_cast<double>(d);
      usable[static_cast<std::size_t>(n)] = constant ? 0 : 1;
    }
    const auto constant_samples = static_cast<index>(std::count(usable.begin(), usable.end(), 0));
    if (n_samples - constant_samples < units && !random_rest)
      check.fail("data", cat("a matrix with at least as many non-constant samples as the ", number(units), " coding units"),
                 cat(number(n_samples), " samples, ", number(constant_samples), " of them constant"));

    std::set<std::vector<index>> seen;
    std::vector<index> scratch, chosen;
    Eigen::VectorXd sample(d);
    // Adds the unit (or counts a duplicate); true when it was new.
    const auto add = [&](std::vector<index>& inputs) {
      if (!seen.insert(inputs).second) return ++dev.duplicates, false;
      dev.units.push_back(inputs);
      return true;
    };
    const auto top_c = [&](index n) {
      for (index i = 0; i < d; ++i) sample[i] = x(n, i) - mean[n];
      detail::top_indices(sample, c, scratch, chosen);
    };

    if (method == 1) {
      for (index t = 0; t < n_samples && index(dev.units.size()) < units; ++t) {
        const index n = order[static_cast<std::size_t>(t)];
        ++dev.samples_visited;
        if (!usable[static_cast<std::size_t>(n)]) {
          ++dev.constant_samples;
          continue;
        }
        top_c(n);
        add(chosen);
      }
    } else {
      dev.constant_samples = constant_samples;  // never candidates of the gate
      develop_gated(x, units, c, *this, eng, check, order, mean, usable, dev, add, top_c, chosen);
    }

    dev.developed = static_cast<index>(dev.units.size());
    if (dev.developed < units) {
      if (!random_rest)
        check.fail("data", cat("rich enough for the ", number(units), " coding units (distinct input sets)"),
                   cat(number(n_samples), " samples giving ", number(dev.developed), " units (",
                       number(dev.duplicates), " duplicate input sets and ", number(dev.constant_samples),
                       " constant samples skipped)"));
      std::vector<index> rest_scratch = detail::iota_indices(d);
      for (index r = dev.developed; r < units; ++r) {
        dev.units.emplace_back();
        detail::flyhash_row(*eng, r, d, c, rest_scratch, dev.units.back());
      }
    }
    return dev;
  }

  /// Methods 2 and 3: the novelty gate over passes (devfly.md §3.2). best[n] is the largest
  /// activity of sample n on the units built so far (-inf before the first), updated after each
  /// new unit, so a visit costs O(1) and a unit O(samples x c).
  template <class Add, class TopC>
  static void develop_gated(const Eigen::Ref<const Eigen::MatrixXd>& x, index units, index c, const devfly& o,
                            const engine* eng, const detail::checker& check, const std::vector<index>& order,
                            const Eigen::VectorXd& mean,
                            std::vector<char>& candidate, devfly_development& dev, Add&& add, TopC&& top_c,
                            std::vector<index>& chosen) {
    const index n_samples = x.rows(), d = x.cols();
    constexpr index max_passes = 1000000;
    Eigen::VectorXd best = Eigen::VectorXd::Constant(n_samples, -std::numeric_limits<double>::infinity());
    Eigen::VectorXd activity(n_samples);
    std::vector<double> weight(static_cast<std::size_t>(d));
    std::vector<char> taken(static_cast<std::size_t>(d));
    double theta = o.novelty_threshold;
    index pos = 0;
    while (static_cast<index>(dev.units.size()) < units) {
      if (pos == 0) {
        // A pass in which no sample is below theta builds nothing: do its theta *= growth at once.
        double lowest = std::numeric_limits<double>::infinity();
        bool any = false;
        for (index n = 0; n < n_samples; ++n)
          if (candidate[static_cast<std::size_t>(n)]) any = true, lowest = std::min(lowest, best[n]);
        if (!any) break;
        while (!(lowest < theta)) {
          theta *= o.growth;
          if (++dev.passes > max_passes)
            check.fail("growth",
                       detail::cat("large enough for theta to pass every sample's activity within ",
                                   detail::number(max_passes), " passes over the data"),
                       o.growth);
        }
      }
      const index n = order[static_cast<std::size_t>(pos)];
      if (candidate[static_cast<std::size_t>(n)] && best[n] < theta) {
        ++dev.samples_visited;
        candidate[static_cast<std::size_t>(n)] = 0;  // a sample builds at most one unit
        if (o.method == 2) top_c(n);
        else weighted_choice(x.row(n), c, *eng, static_cast<index>(dev.units.size()), weight, taken, chosen);
        if (add(chosen)) {
          activity.setZero();
          for (index i : chosen) activity += x.col(i) - mean;  // ascending inputs, one sum per sample
          best = best.cwiseMax(activity);
          dev.final_threshold = theta;
        }
      }
      if (static_cast<index>(dev.units.size()) == units) break;  // no end-of-pass step after the last unit
      if (++pos == n_samples) pos = 0, ++dev.passes, theta *= o.growth;
    }
  }

  /// Method 3's draw of c inputs for unit `unit` from sample `v` (raw), see the type's comment.
  template <class Row>
  static void weighted_choice(const Row& v, index c, const engine& eng, index unit, std::vector<double>& weight,
                              std::vector<char>& taken, std::vector<index>& chosen) {
    const index d = v.size();
    const double low = v.minCoeff();
    for (index i = 0; i < d; ++i) weight[static_cast<std::size_t>(i)] = (low < 0 ? v[i] - low : v[i]) + 1e-10;
    std::fill(taken.begin(), taken.end(), 0);
    detail::word_source draws(detail::substream(eng, detail::domain::weighted_choice, static_cast<std::uint64_t>(unit)));
    chosen.clear();
    for (index t = 0; t < c; ++t) {
      double total = 0;
      index last = -1;
      for (index i = 0; i < d; ++i)
        if (!taken[static_cast<std::size_t>(i)]) total += weight[static_cast<std::size_t>(i)], last = i;
      const double target = draws.unit() * total;
      double running = 0;
      index pick = last;  // when rounding leaves the running sum at or below the target
      for (index i = 0; i < d; ++i)
        if (!taken[static_cast<std::size_t>(i)] && (running += weight[static_cast<std::size_t>(i)]) > target) {
          pick = i;
          break;
        }
      taken[static_cast<std::size_t>(pick)] = 1;
      chosen.push_back(pick);
    }
    std::sort(chosen.begin(), chosen.end());
  }
};

}  // namespace scheme

/// DevFly wiring of `w` (units x inputs) developed from `x` (samples x inputs) by method 1, in
/// the samples' order, with `connections` inputs per unit (-1: floor(0.1 x inputs)).
template <class Target, class Data>
void devfly(Target&& w, const Eigen::MatrixBase<Data>& x, index connections = -1) {
  scheme::devfly s;
  s.connections = connections;
  s(std::forward<Target>(w), x);
}

}  // namespace nninit
