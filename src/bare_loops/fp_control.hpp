// The floating-point control register the stackful switches keep per context: MXCSR on x86-64,
// FPCR on aarch64. The bare loops' own two lines, apart from the harness's helper.
#pragma once
#include <cstdint>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace bench_switch::bare {

inline std::uint32_t fp_control_get() {
#if defined(__x86_64__)
  return _mm_getcsr();
#else
  std::uint64_t v;
  asm volatile("mrs %0, fpcr" : "=r"(v));
  return static_cast<std::uint32_t>(v);
#endif
}

inline void fp_control_set(std::uint32_t value) {
#if defined(__x86_64__)
  _mm_setcsr(value);
#else
  asm volatile("msr fpcr, %0" : : "r"(static_cast<std::uint64_t>(value)));
#endif
}

}  // namespace bench_switch::bare
