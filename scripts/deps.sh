#!/usr/bin/env bash
# Installs the Debian packages nninit needs, only those missing. Usage: deps.sh core|test|docs
#   core: build the library and the nninit tool, with Fashion-MNIST (and fortunes, a text corpus
#   for the language model) for `nninit compare`'s training;
#   test: also the optional test dependencies (PyTorch for parity tests, Random123 for the Philox
#   cross-check, clang for the cross-build test, Chromium to check that the HTML report renders,
#   Open MPI for the sharded-init example, pkg-config for the Makefile consumer of nninit.pc,
#   Doxygen to build and check the documentation, libFuzzer for the fuzz targets, clang-tidy and
#   cppcheck for the headers' lint tests);
#   docs: what the documentation needs (the core tools and Doxygen).
set -euo pipefail
core=(cmake g++ make libeigen3-dev doctest-dev libbenchmark-dev libcli11-dev zlib1g-dev nlohmann-json3-dev dataset-fashion-mnist fortunes)
test_extra=(clang python3 python3-numpy python3-torch libtorch-dev librandom123-dev chromium libopenmpi-dev openmpi-bin pkg-config doxygen libclang-rt-14-dev clang-tidy cppcheck)
case "${1:-core}" in
  core) wanted=("${core[@]}") ;;
  test) wanted=("${core[@]}" "${test_extra[@]}") ;;
  docs) wanted=(cmake g++ make libeigen3-dev doxygen) ;;
  *) echo "usage: $0 core|test|docs" >&2; exit 2 ;;
esac
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "nninit: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
