// The bad-input matrix: every registered scheme (the registry `nninit list` prints) against every
// class of bad input (tests/bad_input_cases.hpp). Each case either is refused with an init_error
// in the library's message form (scheme, argument, rule, value, and the target's shape once there
// is a target), with the target, pre-filled with a sentinel, unchanged; or is accepted and then
// writes only finite values. Any other exception, a crash or a hang fails.
#include <doctest/doctest.h>

#include <nninit/nninit.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "bad_input_cases.hpp"
#include "test_util.hpp"

namespace bad_input_test {

using idx = nninit::index;
constexpr float sentinel = 1234.5f;

nninit::initializer make(const bad_input::baseline& b) {
  nninit::initializer init(b.scheme);
  for (const auto& [option, value] : b.options) init.set(option, value);
  if (init.takes_data()) init.set_data(bad_input::devfly_data());
  return init;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

/// Fills a sentinel-filled (rows x cols) target placed in shape s; checks the outcome's contract.
/// Returns true when the fill was refused.
bool check_fill(const nninit::initializer& init, const std::string& scheme, const nninit::shape& s, idx rows, idx cols,
                const std::string& target_text) {
  Eigen::MatrixXf w = Eigen::MatrixXf::Constant(rows, cols, sentinel);
  try {
    init.fill(w, nninit::engine(99), s);
  } catch (const nninit::init_error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(starts_with(m, "nninit::" + scheme + ": "));
    CHECK(m.find(" must be ") != std::string::npos);
    CHECK(m.find(", got ") != std::string::npos);
    CHECK(m.find("for a " + target_text) != std::string::npos);
    CHECK((w.array() == sentinel).all());  // nothing written
    return true;
  } catch (const std::exception& e) {
    FAIL_CHECK("not an init_error: " << std::string(e.what()));
    return true;
  }
  CHECK(w.allFinite());  // accepted: every value written, and finite
  return false;
}

TEST_CASE("bad input: every option of every scheme at NaN, +-inf, negative, zero, huge, the wrong type and empty") {
  int cases = 0, refused = 0;
  for (const auto& info : nninit::list_schemes()) {
    const bad_input::baseline b = bad_input::baseline_of(info.name);
    const nninit::shape s(b.dims);
    CAPTURE(b.scheme);
    const nninit::initializer base = make(b);
    CHECK_FALSE(check_fill(base, b.scheme, s, s.rows(), s.cols(), s.text()));  // the baseline is valid
    for (const auto& o : info.options) {
      for (const std::string& v : bad_input::bad_values(o.type)) {
        CAPTURE(o.name);
        CAPTURE(v);
        ++cases;
        nninit::initializer init = base;
        try {
          init.set(o.name, v);
        } catch (const nninit::init_error& e) {  // refused while parsing: names the scheme and option
          const std::string m = e.what();
          INFO(m);
          CHECK(starts_with(m, "nninit::" + b.scheme + ": " + o.name));
          ++refused;
          continue;
        } catch (const std::exception& e) {
          FAIL_CHECK("not an init_error: " << std::string(e.what()));
          continue;
        }
        refused += check_fill(init, b.scheme, s, s.rows(), s.cols(), s.text());
      }
    }
  }
  MESSAGE(cases << " bad option values, " << refused << " refused, the rest accepted with finite values");
  CHECK(refused > cases / 2);
}

TEST_CASE("bad input: unknown scheme, option and values, negative and overflowing shapes, a block of a weight beyond memory") {
  CHECK_THROWS_WITH_AS(nninit::initializer("no_such_scheme"), doctest::Contains("no_such_scheme"), nninit::init_error);
  for (const auto& info : nninit::list_schemes()) {
    const bad_input::baseline b = bad_input::baseline_of(info.name);
    CAPTURE(b.scheme);
    nninit::initializer init = make(b);
    CHECK_THROWS_WITH_AS(init.set("no_such_option", "1"), doctest::Contains("no_such_option"), nninit::init_error);

    for (const auto& dims : bad_input::bad_dims()) {
      const nninit::shape s(dims);
      CAPTURE(s.text());
      CHECK(check_fill(init, b.scheme, s, 2, 2, ""));
    }

    // A 2x2 block at the end of a weight of 2^40 rows: filled from its own counters (no
    // wraparound, nothing of the size of the weight allocated), or refused, also when the
    // scheme needs the whole weight's matrix and it cannot be allocated. Not under
    // AddressSanitizer, which aborts on such an allocation instead of throwing std::bad_alloc.
    if (!test::sanitized) {
      std::vector<idx> huge = b.dims;
      huge[0] = idx{1} << 40;
      nninit::shape at_end(huge);
      at_end.at(at_end.rows() - 2, at_end.cols() - 2);
      check_fill(init, b.scheme, at_end, 2, 2, "2x2 block at (");
    }

    // No elements: a no-op once the options are checked (no input channels, so that the
    // shape's other rules, such as delta_orthogonal's in <= out, still hold).
    std::vector<idx> empty = b.dims;
    empty[1] = 0;
    const nninit::shape none(empty);
    Eigen::MatrixXf w(none.rows(), 0);
    if (!init.takes_data()) CHECK_NOTHROW(init.fill(w, nninit::engine(1), none));  // devfly: data of 0 columns
  }
}

TEST_CASE("bad input: blocks far apart in a 2^31 + 5 element weight use 64-bit counters (no wraparound)") {
  // The weights are never allocated: blocks of them are filled through shape.at, each from its
  // own counters (a float's Philox block is its element index / 4).
  auto block_of = [](idx rows, idx row0) {
    Eigen::VectorXf v(64);
    nninit::scheme::normal{}(v, nninit::engine(7), nninit::shape{rows, 1}.at(row0, 0));
    return v;
  };
  const idx rows = (idx{1} << 31) + 5;
  const Eigen::VectorXf start = block_of(rows, 0), end = block_of(rows, rows - 64);
  CHECK(end.allFinite());
  CHECK((end.array() != start.array()).all());
  // The last element of a 2^31 + 5 weight is the same value in any weight that long or longer.
  CHECK(block_of(rows + 1000, rows - 64) == end);
  // 2^34 elements apart, the block indices differ by exactly 2^32: a 32-bit counter would give
  // the same values.
  const idx longer = idx{1} << 36;
  CHECK((block_of(longer, 1000).array() != block_of(longer, 1000 + (idx{1} << 34)).array()).all());
}

}  // namespace bad_input_test
