// nninit harness: the activations the harness propagates through are the library's own.
#pragma once

#include "../activation.hpp"

namespace nninit::harness {
using nninit::activation;
using nninit::activation_kind;
}  // namespace nninit::harness
