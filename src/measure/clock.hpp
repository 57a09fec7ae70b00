// The two clocks every figure is read from: CLOCK_MONOTONIC in ns, and the CPU's counter in ticks:
// the TSC on x86-64, CNTVCT_EL0 on aarch64 (arch/current.hpp; its name is counter_name()).
#pragma once
#include <time.h>

#include <cstdint>

#include "arch/current.hpp"

namespace bench_switch {

// CLOCK_MONOTONIC through the vDSO: no syscall, and it does not jump with NTP steps.
inline std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// The counter, read after every earlier instruction finished: "tsc" or "cntvct", the name the
// JSON gives it (context.bench_switch.<name>, the <name>_ticks_per_switch counter).
inline std::uint64_t counter_ticks() { return arch::counter_ticks(); }
inline const char* counter_name() { return arch::kCounterName; }

// True when the counter ticks at a constant rate through P-states and sleep (x86-64: the invariant
// TSC, CPUID 0x80000007 EDX[8]; aarch64: always, by the architecture); only then are its ticks a
// time unit, and only then does bench_switch report them.
bool counter_constant_rate();

// Counter ticks per nanosecond: aarch64's CNTFRQ_EL0; on x86-64 calibrated once against
// CLOCK_MONOTONIC over about 50 ms. TSC ticks are not core cycles: the core may run faster or slower.
double counter_ticks_per_ns();

}  // namespace bench_switch
