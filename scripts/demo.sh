#!/usr/bin/env bash
# The main job of the nninit tool (until `nninit compare` exists): installs what is missing,
# builds the tool, lists the schemes, describes one, and fills a conv kernel into a .npy file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh core
cmake -S . -B build/tool -DCMAKE_BUILD_TYPE=Release -DNNINIT_BUILD_TESTS=OFF -DNNINIT_BUILD_BENCH=OFF >/dev/null
cmake --build build/tool -j"$(nproc)" --target nninit_cli
tool=build/tool/tools/nninit/nninit
set -x
"$tool" list
"$tool" describe kaiming_normal --shape 64,3,3,3 --set mode=fan_out --set nonlinearity=relu
"$tool" fill kaiming_normal --shape 64,3,3,3 --seed 42 --out build/kaiming_64x3x3x3.npy
