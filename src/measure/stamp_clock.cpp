#include "measure/stamp_clock.hpp"

#include <algorithm>
#include <array>

namespace bench_switch {

StampClock::StampClock() : counter_(counter_constant_rate() && counter_ticks_per_ns() > 0) {
  if (counter_) ns_per_tick_ = 1 / counter_ticks_per_ns();
  // The median, not the minimum: a sample pays a typical read, and the minimum of many would be
  // the luckiest; an interrupt between two reads moves the median not at all.
  std::array<double, 1001> apart{};
  for (double& d : apart) {
    const std::uint64_t a = now(), b = now();
    d = static_cast<double>(b - a) * ns_per_tick_;
  }
  std::nth_element(apart.begin(), apart.begin() + apart.size() / 2, apart.end());
  cost_ns_ = apart[apart.size() / 2];
}

const StampClock& stamp_clock() {
  static const StampClock clock;
  return clock;
}

}  // namespace bench_switch
