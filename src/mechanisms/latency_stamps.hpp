// One-way latency samples of kernel handoffs (a wake-up's latency: half a round trip is not one), as schbench takes them: the sender stamps
// the time just before it wakes the receiver, into the token's cache line; the receiver stamps the
// time its wait returns and records the difference, less one stamp's cost, in its own histogram.
// Stamping is switched on and off between runs, so the same handoff can be timed with and without.
#pragma once
#include <atomic>
#include <cstdint>

#include "measure/latency_histogram.hpp"
#include "measure/stamp_clock.hpp"

namespace bench_switch {

// A handoff that can stamp its tokens. Both calls only between runs, when every side waits.
class LatencySampled {
 public:
  virtual ~LatencySampled() = default;
  // From now on every side stamps each token it sends and samples each token it receives.
  virtual void set_stamping(bool on) = 0;
  // Every side's samples since the last call, merged; each side's histogram is then emptied.
  virtual LatencyHistogram take_samples() = 0;
};

// Where a sender leaves its stamp: beside the token in the token's own cache line (a carrier
// with a line of its own gives `stamp_slot(to_side)`), so the stamp costs a store to a line that
// moves anyway; elsewhere a line of the pair's own.
using StampSlot = std::atomic<std::uint64_t>;

// What both sides of a pair share: the switch, read on every handoff and written only between
// runs (so it stays in both CPUs' caches), and the slots for carriers whose token has no line.
struct PairStamps {
  alignas(64) std::atomic<bool> on{false};
  alignas(64) StampSlot to[2] = {0, 0};  // one line: the two directions alternate, as a token does
};

// One side's half: its stamps and its own histogram (in its own task's memory).
class Stamper {
 public:
  Stamper(const std::atomic<bool>& on, LatencyHistogram& samples) : on_(on), samples_(samples), clock_(stamp_clock()) {}
  // Just before the carrier's send: the carrier's release (or syscall) publishes the stamp with the token.
  void stamp(StampSlot& to) const {
    if (on_.load(std::memory_order_relaxed)) to.store(clock_.now(), std::memory_order_relaxed);
  }
  // Right after the carrier's receive returned: the clock first, then the slot (its load may miss).
  void sample(const StampSlot& from) {
    if (!on_.load(std::memory_order_relaxed)) return;
    const std::uint64_t now = clock_.now();
    samples_.record(clock_.sample_ns(from.load(std::memory_order_relaxed), now));
  }

 private:
  const std::atomic<bool>& on_;
  LatencyHistogram& samples_;
  StampClock clock_;  // a copy, in the side's own memory
};

// The slot a carrier's token to `to_side` carries its stamp in.
template <class Carrier>
StampSlot& stamp_slot(Carrier& carrier, PairStamps& pair, int to_side) {
  if constexpr (requires { carrier.stamp_slot(to_side); }) {
    return carrier.stamp_slot(to_side);
  } else {
    return pair.to[to_side];
  }
}

}  // namespace bench_switch
