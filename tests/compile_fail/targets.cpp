// Compile-fail tests (Eigen's failtest idea): built once with -DNNINIT_SHOULD_FAIL, where the
// marked call must be refused at compile time with a message starting "nninit:", and once
// without, where the same program with a valid target must compile (the positive control, so a
// failure for an unrelated reason cannot pass). CASE selects the target.
#include <nninit/kaiming.hpp>

int main() {
  Eigen::MatrixXf a(3, 3), b(3, 3);
  float buffer[9] = {};
  const nninit::engine eng{1};
#if defined(NNINIT_SHOULD_FAIL)
#define NNINIT_PICK(bad, good) bad
#else
#define NNINIT_PICK(bad, good) good
#endif
#if CASE == 1  // a const matrix
  const Eigen::MatrixXf c(3, 3);
  Eigen::MatrixXf m(3, 3);
  nninit::kaiming_normal(NNINIT_PICK(c, m), eng);
#elif CASE == 2  // a read-only expression
  nninit::kaiming_normal(NNINIT_PICK(a + b, a), eng);
#elif CASE == 3  // a Map over const data
  nninit::kaiming_normal(NNINIT_PICK(Eigen::Map<const Eigen::MatrixXf>, Eigen::Map<Eigen::MatrixXf>)(buffer, 3, 3), eng);
#elif CASE == 4  // an integer scalar type
  NNINIT_PICK(Eigen::MatrixXi, Eigen::MatrixXf) i(3, 3);
  nninit::kaiming_normal(i, eng);
#else
#error "CASE must be 1 to 4"
#endif
  return static_cast<int>(a(0, 0) + b(0, 0) + buffer[0]) & 0;
}
