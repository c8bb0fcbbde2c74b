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
//   zero_hadamard.hpp     zero_hadamard (ZerO); hadamard.hpp: Hadamard entries, fwht
//   idinit.hpp            idinit (IDInit: IDI, IDIC, IDIZ)
//   fixup.hpp             fixup, fixup_scale (Fixup)
//   constnet.hpp          constnet (ConstNet)
//   network_plan.hpp      plan_network: a whole network under a network-level rule (layer_role.hpp)
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
#include "kernel_centre.hpp"
#include "hadamard.hpp"
#include "zero_hadamard.hpp"
#include "idinit.hpp"
#include "fixup.hpp"
#include "constnet.hpp"
#include "layer_role.hpp"
#include "registry.hpp"
#include "network_plan.hpp"
