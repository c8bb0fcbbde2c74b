#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs it twice, with both
# compilers and warnings as errors in each:
#  1. g++, Release: every test, example and documentation snippet, and the checks that build
#     things themselves (headers alone, compile-fail, cross-build golden streams, ThreadSanitizer,
#     the fuzz targets, clang-tidy and cppcheck, the package consumers, PyTorch parity);
#  2. clang++, AddressSanitizer + UndefinedBehaviorSanitizer: every test, example and snippet
#     again, without those self-building checks (they run clang++ themselves in step 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)
CXX=g++ cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DNNINIT_WERROR=ON
cmake --build build/release -j"$jobs"
ctest --test-dir build/release -j"$jobs" --output-on-failure
# -O1 with line tables: sanitizer reports keep file:line, and Eigen-heavy files compile in half
# the time of -O2 -g.
CXX=clang++ cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DNNINIT_SANITIZE=ON -DNNINIT_BUILD_BENCH=OFF -DNNINIT_WERROR=ON
cmake --build build/sanitize -j"$jobs"
ctest --test-dir build/sanitize -j"$jobs" --output-on-failure
