// What one involuntary switch costs, event by event: K CPU-bound tasks pinned to one CPU each read
// the clock in a tight loop and keep every stop over 1 µs; on their merged timeline each span from
// one task's last read to another's first is one handover (handover_spans.hpp). A lone task (K = 1)
// in the same loop has no handover: its spans at the tick are the tick's own cost, without a switch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "experiments/timeslice.hpp"
#include "measure/handover_spans.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/latency_histogram.hpp"
#include "measure/paired_batches.hpp"

namespace bench_switch {

// A stop of the clock-reading loop longer than this is a span. Far above the loop's step (~20 ns:
// a slow read never counts), below the shortest interrupt a guest sees (a VM exit and its return
// take ~1-2 µs), so every interruption of the loop is on the timeline.
inline constexpr std::uint64_t kSpanGapNs = 1'000;
// How far from the tick's phase a span may begin and still count as the tick's: the host's timer
// that delivers a guest's tick fires a few µs late, more on a loaded host.
inline constexpr double kTickToleranceNs = 25'000;

// A set of spans: how many, where they lie, the median's distribution-free 95 % interval, and all
// of them in a log-linear histogram (the latency family's).
struct SpanFigures {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::size_t count = 0;
  double p10 = kNaN, p50 = kNaN, p90 = kNaN, p99 = kNaN;
  MedianInterval median;
  LatencyHistogram histogram;
};
SpanFigures figures_of(const std::vector<double>& spans_ns);

struct HandoverConfig {
  int tasks = 2;  // K; 1 is the lone task
  TaskKind kind = TaskKind::thread;
  SchedPolicy policy = SchedPolicy::normal;
  double window_ns = 3e8;
  double tick_period_ns = 0;  // 1 s / HZ; 0: from the CPU's timer interrupts over the window
};

// Spans over kPreemptionGapNs (200 µs, the shortest slice a CPU-bound task gets) hold another
// task's run or a long stall of the host: not one switch, not one tick. They are counted apart.
struct HandoverResult {
  SpanFigures handovers;  // one involuntary switch each: last read of one task to first read of the next
  SpanFigures ticks;      // same-task spans at the tick: the tick without a switch
  std::size_t handovers_at_tick = 0;
  std::size_t long_handovers = 0;   // handovers over 200 µs: a task outside the crew ran in between
  std::size_t long_same_task = 0;   // same-task spans over 200 µs: a task outside the crew, or the host
  std::size_t same_task_at_tick = 0, same_task_off_tick = 0;  // the latter: other interrupts, or the host
  double same_task_off_tick_ns = 0;
  std::size_t starts = 0;  // spans that end at a task's first read (its start, not counted as handovers)
  TickGrid tick;
  TaskCounts counts;  // the crew's, over the window
  std::optional<InterruptCounts> interrupts;
  std::optional<std::uint64_t> steal_ns;
  double window_ns = 0, loop_step_ns = 0;
  std::string error;  // non-empty: no figures; "skipped: ..." when the machine refused
};

// The same-CPU placement's CPU; threads or processes started and stopped by run_crew.
HandoverResult measure_handovers(const HandoverConfig& config);

// The figures of a scan (pure, for tests): spans classified, the tick found, the distributions.
HandoverResult handovers_of(SpanScan scan, double tick_period_ns);

}  // namespace bench_switch
