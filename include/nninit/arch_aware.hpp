// nninit: arch_aware (Chen, Wu, Wang & Hanin, "Principled Architecture-aware Scaling of
// Hyperparameters", ICLR 2024), with its DAG utilities and learning-rate transfer rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gain.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// An edge (from, to) of a network's DAG: node `to` sums this edge's output (a weight layer or a
/// skip connection) applied to node `from`'s value. Node 0 is the input (the stem's output).
using dag_edge = std::pair<index, index>;

namespace detail {

inline std::string edge_text(const dag_edge& e) { return cat(number(e.first), " -> ", number(e.second)); }

/// "[3, 4, 5]", for messages.
inline std::string list_text(const std::vector<index>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s.append(i ? ", " : "").append(number(v[i]));
  return s + "]";
}

/// A checked DAG: every edge joins two of the `nodes` nodes, none enters the input node 0, every
/// other node has an input, and there is no cycle. Errors name the offending edge, node or cycle.
struct checked_dag {
  std::vector<std::vector<std::size_t>> out;  ///< indices (into the edge list) of each node's output edges
  std::vector<index> in_degree;               ///< inputs summed by each node (0 for the input node)
  std::vector<index> order;                   ///< the nodes in a topological order, from the input

  checked_dag(index nodes, const std::vector<dag_edge>& edges) {
    const checker check("arch_aware", "");
    check.positive_count("nodes", nodes);
    const auto n = static_cast<std::size_t>(nodes);
    out.resize(n);
    in_degree.assign(n, 0);
    std::vector<std::vector<index>> sources(n);
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const auto [from, to] = edges[i];
      if (from < 0 || from >= nodes || to < 0 || to >= nodes)
        check.fail("edges", cat("between nodes 0 and ", number(nodes - 1)), edge_text(edges[i]));
      if (to == 0) check.fail("edges", cat("into nodes 1 to ", number(nodes - 1), " (node 0 is the input)"), edge_text(edges[i]));
      out[static_cast<std::size_t>(from)].push_back(i);
      sources[static_cast<std::size_t>(to)].push_back(from);
      ++in_degree[static_cast<std::size_t>(to)];
    }
    for (index v = 1; v < nodes; ++v)
      if (in_degree[static_cast<std::size_t>(v)] == 0)
        check.fail(cat("node ", number(v)), "the target of an edge (only the input node 0 has no inputs)", "none");
    // Kahn's algorithm from the input, the only node without inputs: what it cannot reach lies on
    // or after a cycle, and every such node has an input from another one.
    std::vector<index> waiting = in_degree;
    std::vector<index> ready{0};
    while (!ready.empty()) {
      const index v = ready.back();
      ready.pop_back();
      order.push_back(v);
      for (std::size_t i : out[static_cast<std::size_t>(v)])
        if (--waiting[static_cast<std::size_t>(edges[i].second)] == 0) ready.push_back(edges[i].second);
    }
    if (order.size() == n) return;
    // Walk back from the first blocked node along blocked inputs until a node repeats.
    index v = 0;
    while (waiting[static_cast<std::size_t>(v)] == 0) ++v;
    std::vector<index> walk;
    while (std::find(walk.begin(), walk.end(), v) == walk.end()) {
      walk.push_back(v);
      const auto& from = sources[static_cast<std::size_t>(v)];
      v = *std::find_if(from.begin(), from.end(), [&](index u) { return waiting[static_cast<std::size_t>(u)] > 0; });
    }
    std::vector<index> cycle(std::find(walk.begin(), walk.end(), v), walk.end());
    std::reverse(cycle.begin(), cycle.end());  // walked backwards
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    std::string text = "a cycle through nodes ";
    for (index u : cycle) text.append(number(u)).append(" -> ");
    check.fail("edges", "acyclic", text.append(number(cycle.front())));
  }
};

/// The input-output paths dag_path_lengths lists at most: their number grows exponentially with
/// depth (a chain of n residual blocks has 2^n), so a DAG with more is refused before the walk.
inline constexpr double max_listed_paths = 1 << 24;

inline std::vector<index> collect_path_lengths(const std::vector<dag_edge>& edges, const checked_dag& g,
                                               const std::vector<index>& layers, index output) {
  // Paths from each node to the output, counted backwards along the topological order (in double:
  // the count only has to be compared with the limit, and it may overflow any integer).
  std::vector<double> paths(g.out.size(), 0.0);
  paths[static_cast<std::size_t>(output)] = 1;
  for (auto v = g.order.rbegin(); v != g.order.rend(); ++v)
    if (*v != output)  // a path ends there, as the walk below does
      for (std::size_t i : g.out[static_cast<std::size_t>(*v)])
        paths[static_cast<std::size_t>(*v)] += paths[static_cast<std::size_t>(edges[i].second)];
  if (paths[0] > max_listed_paths)
    checker("arch_aware", "").fail("edges", cat("a DAG with at most ", number(max_listed_paths), " input-output paths (each is listed)"),
                                   cat(number(paths[0]), " paths"));
  // Depth-first from the input, each node's output edges in the order given; an explicit stack, so
  // that a deep DAG cannot overflow the call stack.
  struct frame {
    index node, length;
    std::size_t next;  // the position in out[node] of the next edge to follow
  };
  std::vector<index> lengths;
  lengths.reserve(static_cast<std::size_t>(paths[0]));
  std::vector<frame> stack{{0, 0, 0}};
  while (!stack.empty()) {
    frame& f = stack.back();
    const auto& out = g.out[static_cast<std::size_t>(f.node)];
    if (f.node == output || f.next == out.size()) {
      if (f.node == output) lengths.push_back(f.length);
      stack.pop_back();
      continue;
    }
    const std::size_t i = out[f.next++];
    const index length = f.length + (layers.empty() ? 1 : layers[i]);
    stack.push_back({edges[i].second, length, 0});  // invalidates f, no longer used
  }
  return lengths;
}

}  // namespace detail

/// The in-degree of every node of a network's DAG of `nodes` nodes: how many edges (weight layers
/// and skip connections alike, as the official `get_in_out_degree` counts every op but "zero")
/// its value sums. Node 0 is the input and has none; every other node must have at least one.
/// Parallel edges count separately. Throws init_error ("nninit::arch_aware: ...") for nodes < 1,
/// an edge outside [0, nodes), an edge into node 0, a node without inputs, or a cycle.
inline std::vector<index> dag_in_degrees(index nodes, const std::vector<dag_edge>& edges) {
  return detail::checked_dag(nodes, edges).in_degree;
}

/// The `degree` option of arch_aware for every edge, in the order given: the in-degree of the
/// edge's *source* node (the official code's `in_degree[_from]`), the input node counting as 1
/// (the code's stem has degree 1). Same checks as dag_in_degrees.
inline std::vector<index> dag_edge_degrees(index nodes, const std::vector<dag_edge>& edges) {
  const auto in = dag_in_degrees(nodes, edges);
  std::vector<index> degrees;
  degrees.reserve(edges.size());
  for (const auto& e : edges) degrees.push_back(std::max<index>(in[static_cast<std::size_t>(e.first)], 1));
  return degrees;
}

/// L_p for every path p from the input node 0 to the output node `nodes - 1`: the number of weight
/// layers on it (the official dag_utils.py `dag_depths`). `layers[i]` is the number of weight
/// layers on edge i (1 for a linear or conv edge, 0 for a skip connection); empty means 1 for
/// every edge. One entry per path, in depth-first order following each node's edges in the order
/// given; their number grows exponentially with depth in densely connected DAGs, and a DAG with
/// more than 2^24 of them is refused before any is listed. Layers outside the DAG are not counted:
/// the official MLP/CNN code adds 3 to every L_p for its stem and readout (and its base depth is
/// [3]), its NAS-Bench-201 code 1. Same checks as dag_in_degrees, and `layers` must be empty or
/// hold one count in [0, 2^30] per edge (so that no path's sum overflows).
inline std::vector<index> dag_path_lengths(index nodes, const std::vector<dag_edge>& edges,
                                           const std::vector<index>& layers = {}) {
  const detail::checked_dag g(nodes, edges);
  const detail::checker check("arch_aware", "");
  if (!layers.empty() && layers.size() != edges.size())
    check.fail("layers", detail::cat("empty or one count per edge (", detail::number(static_cast<index>(edges.size())), ")"),
               detail::cat(detail::number(static_cast<index>(layers.size())), " counts"));
  for (index l : layers)
    if (l < 0 || l > index{1} << 30)
      check.fail("layers", "in [0, 1073741824] on every edge (1: a weight layer, 0: a skip connection)", detail::number(l));
  return detail::collect_path_lengths(edges, g, layers, nodes - 1);
}

/// The learning-rate factor that transfers a tuned learning rate from a base architecture to a
/// target one (Chen et al. 2024; official main.py `auto_scale_lr_depth_width`): the maximal
/// learning rate scales as (sum_p L_p^3)^(-1/2) over the input-output paths (dag_path_lengths),
/// so lr_target = lr_base * sqrt(sum_base L^3 / sum_target L^3), times base_kernel / kernel for
/// CNNs (the code's base kernel is 3). Base [3], target [4, 5]: sqrt(27 / 189) = 1/sqrt(7);
/// with kernel 5 against 3, times 0.6. Throws init_error for a negative length, a list without a
/// path through a weight layer (the code exits there) or a kernel size < 1.
inline double arch_aware_lr_scale(const std::vector<index>& base_path_lengths,
                                  const std::vector<index>& target_path_lengths, index base_kernel = 1,
                                  index kernel = 1) {
  const detail::checker check("arch_aware_lr_scale", "");
  auto cubes = [&](std::string_view argument, const std::vector<index>& lengths) {
    double sum = 0;
    for (index l : lengths) {
      if (l < 0) check.fail(argument, "made of lengths >= 0", detail::list_text(lengths));
      const double x = static_cast<double>(l);
      sum += x * x * x;
    }
    if (!(sum > 0)) check.fail(argument, "a list with a path through at least one weight layer", detail::list_text(lengths));
    return sum;
  };
  const double base = cubes("base_path_lengths", base_path_lengths);
  const double target = cubes("target_path_lengths", target_path_lengths);
  check.positive_count("base_kernel", base_kernel);
  check.positive_count("kernel", kernel);
  return std::sqrt(base / target) * (static_cast<double>(base_kernel) / static_cast<double>(kernel));
}

namespace scheme {

/// Architecture-aware initialization, Chen, Wu, Wang & Hanin (ICLR 2024, arXiv 2402.17440), for a
/// network whose nodes sum their incoming edges (a DAG of weight layers and skip connections):
///   W (edge from node l' into l) ~ N(0, 2 / (d_in(l') fan)),   std = sqrt(2) / sqrt(degree) / sqrt(fan),
/// He's ReLU variance divided by the in-degree of the edge's source node, so that a node summing
/// d_in branches keeps its variance through every topology. Computed as the official
/// VITA-Group/principled_scaling_lr_init models/utils.py critic_init_ does: calculate_gain('relu')
/// / sqrt(degree) / sqrt(fan), to the bit. With degree 1 it is kaiming_normal (relu) with `mode`.
///  - degree: d_in of the edge's source, >= 1 (dag_edge_degrees computes it; the input node counts
///    as 1). The code clamps 0 to 1; here 0 is an error, since it means the graph was misread.
///  - mode: fan_in by default: the paper's fan-in scheme and the NAS-Bench-201 code (utils.py MODE).
///    The official MLP/CNN DAG code uses fan_out, which is the same on every DAG edge (square
///    width x width layers) and differs on the stem and the readout; set fan_out to reproduce it.
///  - readout: the output layer, whose std is *squared* (critic_init_ std_power = 2, degree 1):
///    std = 2 / fan, a muP-like readout whose variance 4/fan^2 falls with width. With fan_out
///    (the MLP/CNN code) fan is the number of classes; with fan_in (NAS-Bench-201) the width.
///    degree must then be 1.
/// Biases are 0 and normalization layers gamma = 1, beta = 0 in the official code (not this
/// scheme's business). Learning rates: arch_aware_lr_scale with dag_path_lengths.
/// Matches the official code's std exactly and its values in distribution.
struct arch_aware : detail::scheme_base<arch_aware> {
  static constexpr std::string_view name = "arch_aware";
  static constexpr std::string_view reference = "Chen et al. 2024 principled_scaling_lr_init critic_init_ (std exact, values in distribution)";
  static constexpr bool is_random = true;
  index degree = 1;                  ///< in-degree of the edge's source node, >= 1 (dag_edge_degrees)
  fan_mode mode = fan_mode::fan_in;  ///< fan_in (paper, NAS-Bench-201 code); fan_out (MLP/CNN DAG code)
  bool readout = false;              ///< the output layer: std = 2/fan, the square of the degree-1 std

  template <class V> void visit_options(V&& v) {
    v("degree", degree, "in-degree of the edge's source node (>= 1; the input node counts as 1)");
    v("mode", mode, "fan_in (paper, NAS-Bench-201 code) or fan_out (official MLP/CNN code)");
    v("readout", readout, "the output layer: std = 2/fan (squared), degree 1");
  }

  plan make_plan(const detail::context& ctx) const {
    if (degree < 1)
      ctx.check.fail("degree", ">= 1 (the in-degree of the edge's source node; the input node counts as 1)",
                     detail::number(degree));
    if (readout && degree != 1)
      ctx.check.fail("degree", "1 for the readout (the official code gives it degree 1)", detail::number(degree));
    const fans f = ctx.fans();
    const double gain = calculate_gain(nonlinearity::relu) / std::sqrt(static_cast<double>(degree));
    const double s = gain / std::sqrt(detail::fan_denominator(f, mode));
    plan p{name, ctx.shape, distribution::normal, f.in, f.out};
    p.gain = gain;
    p.value = static_cast<double>(degree);
    return detail::spread(p, variance_distribution::normal, readout ? s * s : s);
  }
};

}  // namespace scheme

/// One edge's weight in a DAG network: N(0, 2 / (degree * fan)), degree = the in-degree of the
/// edge's source node (dag_edge_degrees). For the readout, use scheme::arch_aware with readout = true.
template <class Target, class Rng>
void arch_aware(Target&& w, Rng&& rng, index degree = 1, fan_mode mode = fan_mode::fan_in, const shape& s = {}) {
  scheme::arch_aware{{}, degree, mode}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
