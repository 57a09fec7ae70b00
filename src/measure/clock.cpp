#include "measure/clock.hpp"

namespace bench_switch {

bool counter_constant_rate() { return arch::counter_constant_rate(); }

double counter_ticks_per_ns() {
  static const double ratio = [] {
    if (!counter_constant_rate()) return 0.0;
    if (const double hz = arch::counter_frequency_hz(); hz > 0) return hz * 1e-9;
    const std::uint64_t t0 = now_ns(), c0 = counter_ticks();
    while (now_ns() - t0 < 50'000'000u) {
    }
    const std::uint64_t t1 = now_ns(), c1 = counter_ticks();
    return static_cast<double>(c1 - c0) / static_cast<double>(t1 - t0);
  }();
  return ratio;
}

}  // namespace bench_switch
