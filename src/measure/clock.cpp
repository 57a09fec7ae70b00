#include "measure/clock.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace bench_switch {

bool tsc_invariant() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0x80000000u, nullptr) < 0x80000007u) return false;
  __cpuid(0x80000007u, a, b, c, d);
  return (d & (1u << 8)) != 0;
#else
  return false;
#endif
}

double tsc_ticks_per_ns() {
  static const double ratio = [] {
    if (!tsc_invariant()) return 0.0;
    const std::uint64_t t0 = now_ns(), c0 = tsc_ticks();
    while (now_ns() - t0 < 50'000'000u) {
    }
    const std::uint64_t t1 = now_ns(), c1 = tsc_ticks();
    return static_cast<double>(c1 - c0) / static_cast<double>(t1 - t0);
  }();
  return ratio;
}

}  // namespace bench_switch
