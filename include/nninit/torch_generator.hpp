// nninit: torch_generator, PyTorch's CPU generator, for tensors bit-identical to PyTorch's.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

namespace nninit {

/// PyTorch's default CPU generator (at::CPUGeneratorImpl, PyTorch 1.13): an MT19937 seeded as
/// `torch.manual_seed(seed)` seeds it (with the low 32 bits of the seed), and the second
/// Box-Muller value its scalar normal keeps for the next call.
///
/// Pass it where a scheme takes an engine and the values are PyTorch's, to the bit, for float32
/// and float64 targets: every scheme whose plan is a uniform or a normal (uniform, normal,
/// kaiming_*, xavier_*, torch_default, lecun_uniform, ...) draws exactly as `Tensor.uniform_` /
/// `Tensor.normal_` draw on a CPU with AVX2 (what PyTorch selects on any x86-64 CPU since 2013;
/// it never selects AVX-512 for normal_, and its AVX-512 uniform_ gives the same bits), and the
/// deterministic schemes draw nothing, as PyTorch's eye_, dirac_ and constant_ do. Other plans
/// (truncated normal, orthogonal, sparse, ...) are refused with an init_error: PyTorch computes
/// them with algorithms nninit does not reproduce.
///
/// Unlike nninit::engine it has state, advanced by every fill in the order of the calls, so the
/// calls must come in the order the Python program makes them (an nn.Module's parameters in the
/// order its constructor creates them: weight, then bias). A fill walks the target in the
/// row-major order of its shape (PyTorch's order for a contiguous tensor of that shape), whatever
/// the target's storage order; it takes whole tensors only (no shards) and runs on one thread.
/// The float64 normal and the normal of fewer than 16 elements call the C library's log, sin
/// and cos, as PyTorch does, so their bits are those of PyTorch on the same C library.
class torch_generator {
 public:
  /// The state `torch.manual_seed(seed)` leaves.
  explicit torch_generator(std::uint64_t seed) : mt_(static_cast<std::uint32_t>(seed)) {}

  /// 32 random bits (CPUGeneratorImpl::random).
  std::uint32_t random() { return static_cast<std::uint32_t>(mt_()); }
  /// 64 random bits from two draws, the first in the high half (CPUGeneratorImpl::random64).
  std::uint64_t random64() {
    const std::uint64_t high = random();
    return (high << 32) | random();
  }

  /// The cached second value of the scalar Box-Muller normal (normal_distribution<double>).
  std::optional<double>& next_double_normal() { return next_double_normal_; }

 private:
  std::mt19937 mt_;  // std::mt19937's sequence is the standard's, which at::mt19937 reproduces
  std::optional<double> next_double_normal_;
};

}  // namespace nninit
