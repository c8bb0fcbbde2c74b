// The negative control of the lint tests: defects each tool must report with the project's
// configuration, in a header whose path matches the headers' filter (include/nninit/). If a
// tool stops reporting these, its configuration or its invocation is broken, and the test fails.
#pragma once

namespace nninit_lint_control {

struct options {
  int size;
  options() {}  // clang-tidy: cppcoreguidelines-pro-type-member-init (size is left uninitialized)
};

inline int past_the_end() {
  int values[4] = {1, 2, 3, 4};
  return values[4];  // cppcheck: arrayIndexOutOfBounds
}

}  // namespace nninit_lint_control
