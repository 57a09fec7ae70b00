// The indirect cost of an involuntary switch: the refill. K processes pinned to one CPU each walk
// their own working set of S bytes (a pointer chase through a random cycle of its cache lines, so
// that neither the prefetcher nor a parallel miss hides a miss), reading the clock every few hops.
// After a task gets the CPU back, its first whole pass over the working set is slower than a pass
// at its steady rate: the peer's walk and the kernel evicted some of it. Per resumption,
//   excess = first pass after the resumption − one pass at the task's steady rate.
// The control is the same walk with no peer (K = 1; Li, Ding and Shen): its resumptions are the
// tick's, which every handover also has; refill = excess after a handover − excess after a tick.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "experiments/timeslice.hpp"
#include "measure/handover_spans.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/paired_batches.hpp"

namespace bench_switch {

// Hops of the walk between two clock reads, and the stop that is a span. 8 hops keep the clock
// read (~20 ns) to a few ns a hop; the threshold lies above a step's worst case (8 misses to
// memory, ~1.2 µs) and below the tick's own span (~5-20 µs in a KVM guest), so the control sees
// its ticks.
inline constexpr std::uint64_t kRefillHopsPerRead = 8;
inline constexpr std::uint64_t kRefillGapNs = 3'000;

struct RefillConfig {
  int tasks = 2;             // K; 1 is the control
  std::size_t bytes = 4096;  // S, each task's own; a power of two of at least 4 cache lines
  double window_ns = 2e8;
  double tick_period_ns = 0;  // as in HandoverConfig
};

struct RefillResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  MedianInterval excess_ns;      // per resumption: after a handover (K > 1) or at the tick (K = 1)
  std::size_t resumptions = 0;   // handovers into a task (K > 1), tick spans (K = 1)
  std::size_t samples = 0;       // of those, followed by a whole pass before any preemption
  double steady_pass_ns = kNaN;  // one pass at the steady rate, median over the tasks
  double loop_step_ns = 0;
  TaskCounts counts;
  std::string error;  // non-empty: no figures; "skipped: ..." when the machine refused
};
RefillResult measure_refill(const RefillConfig& config);

// What one task recorded, for the pure part: its timeline, the first pass that began at each of
// its stops (by gap index; 0 when none finished), and its steady rate.
struct WalkTimeline {
  TaskTimeline task;
  std::vector<std::uint64_t> first_pass_ns;
  double steady_ns_per_hop = 0;
};
// The excess per resumption of every task, from the merged timeline (pure, for tests): after a
// handover when `after_handover`, else after a same-task span at the tick; spans over 200 µs (an
// outside task's run inside) are no resumption of either kind.
std::vector<double> refill_excess(const std::vector<WalkTimeline>& walks, std::uint64_t pass_hops, double tick_period_ns,
                                  bool after_handover, std::size_t& resumptions);

}  // namespace bench_switch
