// Timing and counting runs of any Handoff: the measuring half of every switch experiment.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "handoff.hpp"
#include "measure/kernel_counters.hpp"

namespace bench_switch {

// One timed batch: the clocks are read once before and once after run(), never per switch: a
// one-way fiber switch (a few ns) is shorter than a clock read, so timing single switches would
// measure the clock. At the batch sizes used (about a millisecond) the two reads are < 0.01 %.
struct Batch {
  std::uint64_t switches = 0;
  double wall_ns = 0;
  double tsc_ticks = 0;
};
Batch time_round_trips(Handoff& handoff, std::uint64_t round_trips);

// Warms the handoff up (first touches of stacks, pipes, caches; the partner's first wake-up) and
// returns the number of round trips that takes about `target_ns`.
std::uint64_t calibrate_round_trips(Handoff& handoff, double target_ns);

// A pass with perf_event counters enabled on every task: it proves the switch count and counts
// migrations, and its own time shows whether counting disturbs what is timed.
struct CountedPass {
  Batch batch;
  std::optional<PerfCounters::Counts> perf;  // nothing when perf_event_open is refused
  std::string perf_why_not;
};
CountedPass counted_pass(Handoff& handoff, std::uint64_t round_trips);

// The carrier alone in one task (lmbench's `ovr`), in ns per switch: median of 5 short passes.
double carrier_ns_per_switch(Handoff& carrier_alone, std::uint64_t round_trips);

}  // namespace bench_switch
