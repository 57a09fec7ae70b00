// The price of preemption: how much CPU time a CPU-bound loop loses when it shares its CPU with
// identical competitors and the kernel slices between them.
#pragma once
#include <cstdint>
#include <string>

namespace bench_switch {

struct PreemptionCostConfig {
  int competitors = 1;       // K: workers besides the first, all on the same CPU (K + 1 in all)
  double window_ns = 2.5e8;  // the shared run
  double alone_ns = 1e8;     // each of the two runs alone, one just before and one just after
  double chunk_ns = 5e3;     // work between two clock reads, far below the gap threshold (200 µs)
};

struct PreemptionCostResult {
  double work_rate_alone = 0;   // spin units per ns in its loop, one worker alone on the CPU (mean of before and after)
  double work_rate_shared = 0;  // spin units per ns of all K + 1 workers together, sharing the CPU
  double window_ns = 0;         // the shared run: the first worker's start to the last worker's end
  std::uint64_t involuntary_switches = 0;  // the kernel's count, all workers, shared run
  // (window − total work / work_rate_alone) / involuntary_switches: the CPU time each preemption
  // cost beyond the work itself (the switch, the scheduler, refilling what the other task evicted).
  double ns_lost_per_involuntary_switch = 0;
  // How far the figure above moves if the rate alone is off by half the difference between the
  // run before and the run after: the figure is a small difference of two large times.
  double ns_lost_uncertainty = 0;
  // (window − the time some worker was in its loop) / involuntary_switches, from the workers' own
  // timelines: what the switch itself took, with no rate alone in it, so no drift either. It
  // leaves out what the brief's figure above includes: work slowed down after a switch.
  double ns_direct_per_involuntary_switch = 0;
  std::string error;  // non-empty: no figures; "skipped: ..." when the kernel refused
};

// Threads pinned to the same-CPU placement's CPU, created and run by run_crew (timeslices.hpp).
PreemptionCostResult measure_preemption_cost(const PreemptionCostConfig& config);

}  // namespace bench_switch
