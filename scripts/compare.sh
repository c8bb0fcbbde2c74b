#!/usr/bin/env bash
# The main job: installs what is missing, builds the nninit tool and runs `nninit compare`, which
# compares the classic schemes on deep relu and tanh MLPs (signal propagation, Jacobian spectrum)
# and trains each on Fashion-MNIST for one epoch. Writes build/compare.html and build/compare.json.
# Extra arguments go to `nninit compare` (e.g. --arch resmlp, --schemes a,b, --seeds 4).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh core
cmake -S . -B build/tool -DCMAKE_BUILD_TYPE=Release -DNNINIT_BUILD_TESTS=OFF -DNNINIT_BUILD_BENCH=OFF \
  -DNNINIT_NATIVE=ON >/dev/null
cmake --build build/tool -j"$(nproc)" --target nninit_cli
build/tool/tools/nninit/nninit compare --json build/compare.json --report build/compare.html "$@"
echo "report: build/compare.html   figures: build/compare.json"
