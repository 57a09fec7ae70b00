// The clock one-way latency samples are stamped with: the architecture's counter (the
// TSC, aarch64's CNTVCT_EL0) where it ticks at a constant rate (a read costs a few ns and needs no
// conversion until the sample is recorded), CLOCK_MONOTONIC otherwise. Both are one machine-wide timeline, so a stamp taken on one CPU can be subtracted
// from one taken on another. The only place samples read a raw counter: a port changes it here.
#pragma once
#include <cstdint>

#include "measure/clock.hpp"

namespace bench_switch {

class StampClock {
 public:
  std::uint64_t now() const { return counter_ ? counter_ticks() : now_ns(); }
  // ns from stamp `from` to stamp `to`, less one stamp's own cost (what two back-to-back stamps
  // read apart): the sample is then what happened between the two stamps, not the reading.
  double sample_ns(std::uint64_t from, std::uint64_t to) const {
    return static_cast<double>(static_cast<std::int64_t>(to - from)) * ns_per_tick_ - cost_ns_;
  }
  const char* name() const { return counter_ ? counter_name() : "monotonic"; }
  double cost_ns() const { return cost_ns_; }

 private:
  friend const StampClock& stamp_clock();
  StampClock();
  bool counter_ = false;
  double ns_per_tick_ = 1, cost_ns_ = 0;
};

// The process's one stamp clock, chosen and its cost measured on first use (the median of 1,001
// back-to-back pairs); a forked child inherits it.
const StampClock& stamp_clock();

}  // namespace bench_switch
