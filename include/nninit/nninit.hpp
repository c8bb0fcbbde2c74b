// nninit: neural-network weight initializers for Eigen. The umbrella header.
//
// Where each scheme lives:
//   constant.hpp          constant, zeros, ones
//   uniform.hpp           uniform
//   normal.hpp            normal
//   trunc_normal.hpp      trunc_normal (PyTorch and JAX bound conventions)
//   variance_scaling.hpp  variance_scaling and the JAX/Keras presets glorot_*, he_*, lecun_*
//   xavier.hpp            xavier_uniform, xavier_normal (PyTorch)
//   kaiming.hpp           kaiming_uniform, kaiming_normal (PyTorch)
//   eye.hpp, dirac.hpp    eye, dirac
//   orthogonal.hpp        orthogonal, delta_orthogonal
//   sparse.hpp            sparse
//   torch_default.hpp     PyTorch's nn.Linear / nn.Conv* default weight and bias
//   gain.hpp              calculate_gain
//   shape.hpp             shape, layout, fans, fan_mode
//   engine.hpp            engine (seed, stream); philox.hpp: Philox4x32-10
//   registry.hpp          every scheme by name (list_schemes, initializer)
#pragma once

#include "version.hpp"
#include "error.hpp"
#include "philox.hpp"
#include "engine.hpp"
#include "shape.hpp"
#include "gain.hpp"
#include "plan.hpp"
#include "constant.hpp"
#include "uniform.hpp"
#include "normal.hpp"
#include "trunc_normal.hpp"
#include "variance_scaling.hpp"
#include "xavier.hpp"
#include "kaiming.hpp"
#include "eye.hpp"
#include "dirac.hpp"
#include "orthogonal.hpp"
#include "sparse.hpp"
#include "torch_default.hpp"
#include "registry.hpp"
