#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds in Release and runs every test, then
# builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the tests there (the
# unit tests, the harness's data loaders and the tool tests, which run the harness's models through
# `nninit compare`; the examples, compile checks, the variance schemes' numerical unit tests and
# the harness models' own tests stay in the Release build, to keep CI within 30 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j"$jobs"
ctest --test-dir build/release -j"$jobs" --output-on-failure
# -O1 with line tables: sanitizer reports keep file:line, and Eigen-heavy files compile in half
# the time of -O2 -g (the harness tests take 85 s instead of 154 s each under ASan + UBSan).
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DNNINIT_SANITIZE=ON -DNNINIT_BUILD_BENCH=OFF
cmake --build build/sanitize -j"$jobs"
ctest --test-dir build/sanitize -j"$jobs" --output-on-failure
