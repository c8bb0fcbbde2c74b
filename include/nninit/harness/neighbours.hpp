// nninit::harness: nearest-neighbour ground truth and the precision measures of `nninit lsh`
// (devfly.md §5, the DevFly code's evaluation).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <utility>
#include <vector>

#include "../shape.hpp"

namespace nninit::harness {

/// Each row minus its own mean (the DevFly code's shift=True).
inline Eigen::MatrixXd centre_rows(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd c = x;
  c.colwise() -= x.rowwise().mean();
  return c;
}

/// For each query (a row index of `x`), the `count` other rows nearest by Euclidean distance,
/// nearest first; equal distances go to the lower index. Distances are |q|^2 + |x|^2 - 2 q.x
/// from one matrix product per block of queries.
inline std::vector<std::vector<index>> true_neighbours(const Eigen::MatrixXd& x, const std::vector<index>& queries,
                                                       index count) {
  const index n = x.rows();
  const Eigen::VectorXd norm2 = x.rowwise().squaredNorm();
  std::vector<std::vector<index>> out(queries.size());
  constexpr index block = 256;
  std::vector<std::pair<double, index>> dist;
  for (index q0 = 0; q0 < static_cast<index>(queries.size()); q0 += block) {
    const index b = std::min(block, static_cast<index>(queries.size()) - q0);
    Eigen::MatrixXd xq(b, x.cols());
    for (index q = 0; q < b; ++q) xq.row(q) = x.row(queries[static_cast<std::size_t>(q0 + q)]);
    const Eigen::MatrixXd dot = xq * x.transpose();
    for (index q = 0; q < b; ++q) {
      const index self = queries[static_cast<std::size_t>(q0 + q)];
      dist.clear();
      for (index j = 0; j < n; ++j)
        if (j != self) dist.emplace_back(norm2[self] + norm2[j] - 2 * dot(q, j), j);
      const index keep = std::min<index>(count, static_cast<index>(dist.size()));
      std::partial_sort(dist.begin(), dist.begin() + keep, dist.end());
      auto& list = out[static_cast<std::size_t>(q0 + q)];
      for (index t = 0; t < keep; ++t) list.push_back(dist[static_cast<std::size_t>(t)].second);
    }
  }
  return out;
}

/// The DevFly code's AP (devfly.md §5): the mean over i = 1..T of |P[1..i] and T[1..i]| / i,
/// for a predicted list P and a true list T of the same length T, indices in [0, universe).
inline double prefix_overlap_ap(const std::vector<index>& predicted, const std::vector<index>& truth, index universe) {
  std::vector<char> in_p(static_cast<std::size_t>(universe)), in_t(static_cast<std::size_t>(universe));
  const std::size_t t_len = std::min(predicted.size(), truth.size());
  if (truth.empty()) return 0;
  index common = 0;
  double sum = 0;
  for (std::size_t i = 0; i < t_len; ++i) {
    const auto p = static_cast<std::size_t>(predicted[i]), t = static_cast<std::size_t>(truth[i]);
    in_p[p] = 1;
    common += in_t[p];  // P[i] among T[1..i-1]
    in_t[t] = 1;
    common += in_p[t];  // T[i] among P[1..i], which counts P[i] = T[i] once
    sum += static_cast<double>(common) / static_cast<double>(i + 1);
  }
  return sum / static_cast<double>(truth.size());
}

/// The textbook AP@T: (1/T) times the sum, over the ranks r whose prediction is a true neighbour,
/// of the precision at r.
inline double average_precision(const std::vector<index>& predicted, const std::vector<index>& truth, index universe) {
  std::vector<char> is_true(static_cast<std::size_t>(universe));
  for (index t : truth) is_true[static_cast<std::size_t>(t)] = 1;
  if (truth.empty()) return 0;
  index hits = 0;
  double sum = 0;
  for (std::size_t r = 0; r < predicted.size(); ++r)
    if (is_true[static_cast<std::size_t>(predicted[r])]) sum += static_cast<double>(++hits) / static_cast<double>(r + 1);
  return sum / static_cast<double>(truth.size());
}

}  // namespace nninit::harness
