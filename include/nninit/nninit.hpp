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
//   skipinit.hpp          skipinit (SkipInit), rezero (ReZero), zero_gamma (Goyal et al.): branch scalars at 0
//   lsuv.hpp              lsuv (LSUV, Mishkin & Matas): the orthonormal pre-init, and lsuv() on your network's forward
//   vi3nr.hpp             vi3nr (VI3NR), vi3nr_solve_backward, vi3nr_data_moments
//   siren.hpp, winner.hpp siren (SIREN); winner (WINNER / SIREN^2), spectral_centroid, winner_noise_scales
//   kumar.hpp             kumar (Kumar 2017)
//   maxout.hpp            maxout, maxout_second_moment (Tseran & Montufar)
//   small_init.hpp        small_init (condensation, Zhou et al. 2022)
//   low_rank.hpp          low_rank (Liu et al. 2024)
//   arch_aware.hpp        arch_aware and the DAG utilities (Chen et al. 2024)
//   flyhash.hpp           flyhash: random sparse binary wiring (FlyHash, Dasgupta et al. 2017)
//   devfly.hpp            devfly: binary wiring developed from data (DevFly, methods 1-3)
//   lsh.hpp               fly_hash (winner-take-all codes), nearest_by_overlap
//   moments.hpp           moments_of: E f, E f^2, E f'^2 under N(0, s^2) (Gauss-Hermite, adaptive)
//   propagation.hpp       propagation_of: the variance map's fixed point and its stability
//   activation.hpp        activation (relu, tanh, gelu, sine:30, gaussian:0.05, ...)
//   llm_presets.hpp       gpt2 (nanoGPT), megatron_scaled, depth_scaled_trunc_normal (torchtitan), mup
//   deepnet.hpp           deepnet (DeepNet's DeepNorm: alpha, beta; deepnet_coefficients)
//   admin.hpp             admin (Admin's data-free shortcut weight omega; admin_omega)
//   t_fixup.hpp           t_fixup (T-Fixup: no LayerNorm, Xavier scaled by 0.67 N^-1/4, (9N)^-1/4)
//   neox.hpp              neox_small_init, wang_init, neox (GPT-NeoX / Pythia)
//   olmo.hpp              olmo_mitchell, olmo_full_megatron, olmo_normal (OLMo, OLMo 2)
//   completep.hpp         depth_mup, completep (branch multiplier (L/L_base)^-alpha, μP groups)
//   mimetic.hpp           mimetic (W_Q W_K^T ~ identity per head, W_O W_V ~ -identity; Trockman & Kolter 2023)
//   packed.hpp            fill_packed, qkv_blocks, gate_up_blocks: fused weights block by block
//   network_plan.hpp      plan_network: a whole network under a network-level rule (layer_role.hpp)
//   model.hpp             init_model: a model's named tensors in one call, streams from names (stream_of)
//   gain.hpp              calculate_gain (PyTorch's table, and any activation by its moments)
//   shape.hpp             shape, layout, fans, fan_mode
//   engine.hpp            engine (seed, stream); philox.hpp: Philox4x32-10
//   torch_generator.hpp   torch_generator: PyTorch's CPU generator, for PyTorch's values to the bit
//   registry.hpp          every scheme by name (list_schemes, initializer)
//   tensor.hpp            Eigen::Tensor / TensorMap targets (not included here: it pulls in Eigen's
//                         unsupported Tensor module; include <nninit/tensor.hpp> instead)
//   compile_once.hpp      Eigen's BDCSVD compiled in one unit of a program built with
//                         NNINIT_EXTERN_SVD (not included here: one .cpp includes it)
#pragma once

#include "version.hpp"
#include "error.hpp"
#include "philox.hpp"
#include "engine.hpp"
#include "torch_generator.hpp"
#include "shape.hpp"
#include "activation.hpp"
#include "moments.hpp"
#include "propagation.hpp"
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
#include "skipinit.hpp"
#include "lsuv.hpp"
#include "vi3nr.hpp"
#include "kumar.hpp"
#include "maxout.hpp"
#include "small_init.hpp"
#include "siren.hpp"
#include "winner.hpp"
#include "low_rank.hpp"
#include "arch_aware.hpp"
#include "layer_role.hpp"
#include "registry.hpp"
#include "network_plan.hpp"
#include "llm_presets.hpp"
#include "deepnet.hpp"
#include "admin.hpp"
#include "t_fixup.hpp"
#include "neox.hpp"
#include "olmo.hpp"
#include "completep.hpp"
#include "mimetic.hpp"
#include "packed.hpp"
#include "model.hpp"
#include "flyhash.hpp"
#include "devfly.hpp"
#include "lsh.hpp"
