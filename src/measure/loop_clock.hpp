// The clocks a busy loop reads to find where it stopped (timeslice, involuntary_switch): the TSC
// scaled to ns where it is invariant (a read is a few ns cheaper than CLOCK_MONOTONIC's, so the
// loop's step is finer), CLOCK_MONOTONIC otherwise; both on the CLOCK_MONOTONIC time line.
#pragma once
#include <cstdint>

#include "measure/clock.hpp"
#include "measure/timeline.hpp"

namespace bench_switch {

// The TSC read as CLOCK_MONOTONIC ns: one base pair taken in the caller, then ticks scaled. The
// invariant TSC is synchronised across CPUs (the kernel checks it before choosing it as the
// clocksource), so a base taken on one CPU serves the crew on another.
struct TscNs {
  std::uint64_t base_ticks = counter_ticks();
  std::uint64_t base_ns = now_ns();
  double ns_per_tick = 1.0 / counter_ticks_per_ns();
  std::uint64_t operator()() const {
    return base_ns + static_cast<std::uint64_t>(static_cast<double>(counter_ticks() - base_ticks) * ns_per_tick);
  }
};
struct MonotonicNs {
  std::uint64_t operator()() const { return now_ns(); }
};

// The measured loop: nothing but a clock read and the detector's compare, until the window ends.
template <class Clock>
void observe_until(GapDetector& timeline, const Clock& clock, std::uint64_t end_ns) {
  for (;;) {
    const std::uint64_t t = clock();
    timeline.observe(t);
    if (t >= end_ns) return;
  }
}

}  // namespace bench_switch
