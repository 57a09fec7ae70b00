// The distribution beside the mean (a mean hides a bimodal or a rare slow handoff): what the switch and ring families add after their
// timed loop. docs/METHODOLOGY.md "Latency distributions" says how each figure is taken.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>

#include "handoff.hpp"
#include "measure/switch_loop.hpp"

namespace bench_switch {

// After the timed loop of `handoff` (batches of `round_trips`, `ns_per_switch` each on average):
//  - a kernel handoff (LatencySampled): a pass of its own of stamped batches, each paired with an
//    unstamped one in coin-toss order; one one-way sample per stamped handoff, and the stamped
//    over the unstamped time per pair (stamp_effect_ratio, _lo, _hi: its median and 95 % interval);
//  - any other (fibers, coroutines, a call): the mean ns per switch of each of many short batches.
// Sets the counters latency_{min,p50,p90,p99,p999,max}_ns and latency_samples, and attaches the
// entry's `latency` field (registry.hpp attach_to_entry; docs/JSON.md). `hold` sets each side's
// MXCSR as before every timed batch; it is called right before the batches, after the arithmetic.
void sample_latency(benchmark::State& state, Handoff& handoff, std::uint64_t round_trips, double ns_per_switch,
                    const std::function<void()>& hold);

// The same as the switch loop's strategy: sampled after its counted pass (bench/switch.hpp BM_SwitchSampled).
class LatencySampling final : public BatchState {
 public:
  explicit LatencySampling(benchmark::State& state) : state_(state) {}
  void after_counted_pass(Handoff& handoff, const TimedLoop& loop) override {
    sample_latency(state_, handoff, loop.round_trips, loop.ns_per_switch, loop.hold);
  }

 private:
  benchmark::State& state_;
};

}  // namespace bench_switch
