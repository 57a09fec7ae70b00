// The two clocks every figure is read from: CLOCK_MONOTONIC in ns, and the TSC in ticks.
#pragma once
#include <time.h>
#include <x86intrin.h>

#include <cstdint>

namespace bench_switch {

// CLOCK_MONOTONIC through the vDSO: no syscall, and it does not jump with NTP steps.
inline std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

#if defined(__x86_64__)
// lfence before rdtsc keeps earlier instructions from still being in flight when the counter is
// read; without it the end of a short batch could be read before its last switch finished.
inline std::uint64_t tsc_ticks() {
  _mm_lfence();
  return __rdtsc();
}
#else
inline std::uint64_t tsc_ticks() { return 0; }
#endif

// True when the TSC ticks at a constant rate through P-states and sleep (CPUID 0x80000007 EDX[8]);
// only then are TSC ticks a time unit, and only then does bench_switch report them.
bool tsc_invariant();

// TSC ticks per nanosecond, calibrated once against CLOCK_MONOTONIC over about 50 ms.
// TSC ticks are not core cycles: the core may run faster or slower than the TSC.
double tsc_ticks_per_ns();

}  // namespace bench_switch
