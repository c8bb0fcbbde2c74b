// mimetic: per head, W_Q^T W_K = the rank-d_h truncated SVD of 0.7 Z + 0.7 I; W_O W_V = (0.4 Z' - 0.4 I)^T
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::index d = 64, heads = 4, dh = d / heads;
  Eigen::MatrixXf q(d, d), k(d, d), v(d, d), o(d, d);
  const nninit::engine layer{42, 7};  // one engine per attention layer: q and k pair, v and o pair
  nninit::mimetic_attention(q, k, v, o, heads, layer);
  nninit::scheme::mimetic init;
  init.heads = heads;
  std::cout << "Z's std " << init.describe({d, d}).std << "\n";
  const Eigen::MatrixXf head0 = q.topRows(dh).transpose() * k.topRows(dh);
  std::cout << "head 0: mean diag(W_Q^T W_K) " << head0.diagonal().mean() << ", std(W_Q) "
            << std::sqrt((q.array() - q.mean()).square().mean()) << "\n";
  init.part = nninit::mimetic_part::value;
  const Eigen::MatrixXf a = init.target(layer, d).cast<float>();  // A' = 0.4 Z' - 0.4 I
  const Eigen::MatrixXf map = o * v;
  std::cout << "mean diag(W_O W_V) " << map.diagonal().mean() << ", max |W_O W_V - A'^T| "
            << (map - a.transpose()).cwiseAbs().maxCoeff() << "\n";
}
