// The switch family's Google Benchmark glue, for the families that run its loop under other
// conditions (measure/switch_loop.hpp is the loop itself).
#pragma once
#include <benchmark/benchmark.h>

#include "measure/switch_loop.hpp"

namespace bench_switch {

// Times one-way switches of the case (run_switch_loop) and sets the switch family's counters from
// its result. Other families (the granularity sweep, the cache footprint, the ring, fpenv, xstate,
// the idle rows) run this same loop and add their own counters; `batch_state` is what a family
// holds between batches (measure/switch_loop.hpp), none for most.
// With a control, also (per repetition, over its pairs of batches; median_interval: the median
// and its distribution-free 95 % interval):
//   control_ns_per_switch                      the control's time per switch
//   control_ratio, _lo, _hi                    control / switched, per pair
//   over_control_ns, over_control_lo_ns, _hi_ns  (switched − control) per switch, per pair
//   control_pairs                              how many pairs
void BM_Switch(benchmark::State& state, const SwitchCase& c, BatchState* batch_state = nullptr);

// The same, with the latency distribution taken after the timed loop (latency_samples.hpp): the
// switch family and the kernel rings.
void BM_SwitchSampled(benchmark::State& state, const SwitchCase& c);

}  // namespace bench_switch
