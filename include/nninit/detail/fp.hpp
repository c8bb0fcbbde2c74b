// nninit::detail: keeping floating-point results independent of the user's compiler flags.
//
// nninit is header-only, so the user's flags compile our arithmetic. Two things could change
// the bits we promise (STYLE.md §7): FMA contraction (`a*b + c` fused into one rounding, which
// g++ does across statements under -ffp-contract=fast, its default in gnu++ modes) and x87
// excess precision. Every product that feeds an addition therefore goes through `opaque`,
// which hides the value from the optimiser: the product is rounded on its own and cannot be
// fused. It costs no instruction on x86-64 and AArch64.
#pragma once

namespace nninit::detail {

template <class T>
inline T opaque(T v) noexcept {
#if defined(__GNUC__) && defined(__x86_64__)
  __asm__("" : "+x"(v));
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__("" : "+w"(v));
#elif defined(__GNUC__)
  __asm__("" : "+m"(v));  // forces a store, which also rounds away x87 excess precision
#else
  volatile T stored = v;  // MSVC does not contract under /fp:precise; this keeps others honest
  v = stored;
#endif
  return v;
}

/// a*b + c with the product rounded on its own: the same bits with or without FMA hardware.
template <class T>
inline T mul_add(T a, T b, T c) noexcept {
  return opaque(a * b) + c;
}

}  // namespace nninit::detail
