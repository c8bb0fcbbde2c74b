#!/usr/bin/env bash
# Builds the HTML documentation into build/docs/docs/html/index.html (installs Doxygen and the
# build dependencies if missing): the pages of docs/pages, a page per scheme with its example
# (docs/snippets) and that example's output, and the API reference from the headers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh docs
cmake -S . -B build/docs -DCMAKE_BUILD_TYPE=Release -DNNINIT_BUILD_DOCS=ON -DNNINIT_BUILD_TESTS=OFF \
  -DNNINIT_BUILD_BENCH=OFF -DNNINIT_BUILD_TOOLS=OFF
cmake --build build/docs --target docs -j"$(nproc)"
