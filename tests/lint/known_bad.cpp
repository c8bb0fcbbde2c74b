// The lint tests' negative control (see include/nninit/known_bad.hpp).
#include <nninit/known_bad.hpp>

int main() { return nninit_lint_control::options().size + nninit_lint_control::past_the_end(); }
