// The umbrella header in two translation units of one program: a missing `inline` in a
// header-only library is a link error here (the {fmt} ODR test's idea).
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

float odr_fill_b();  // in odr_b.cpp

static float odr_fill_a() {
  Eigen::MatrixXf w(3, 4);
  nninit::kaiming_normal(w, nninit::engine(7));
  return w(2, 3);
}

TEST_CASE("odr: the umbrella header links from two translation units and gives the same values") {
  CHECK(odr_fill_a() == odr_fill_b());
}
