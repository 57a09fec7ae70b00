// The merged timeline of K tasks sharing one CPU, read span by span: every stretch in which no task
// of the crew read the clock, with who read last before it and who read first after it. A span
// between two different tasks is a handover: one involuntary switch, timed from the last read of
// the task that lost the CPU to the first read of the task that got it (the interrupt that caused
// it, the scheduler and the switch are all inside). A span that the same task closes is time taken
// from it without a switch: an interrupt, or the host. Pure: the caller feeds the timelines, so a
// test can feed synthetic ones.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "measure/attribution.hpp"

namespace bench_switch {

// One task's clock reads: how many (0: it never ran in the window) and the gaps among them.
struct TaskTimeline {
  std::uint64_t reads = 0;
  WorkerTimeline timeline;
};

enum class SpanKind {
  handover,   // another task of the crew read next: a switch
  same_task,  // the task that stopped read next: an interrupt without a switch, or the host
  start,      // ends at a task's first read: the span holds that task's own start, not a switch alone
  end,        // begins at a task's last read: that task left its loop at the window's end
};
const char* to_string(SpanKind kind);

struct Span {
  std::uint64_t from_ns = 0, to_ns = 0;
  int before = -1, after = -1;  // task indices, as in the input
  SpanKind kind = SpanKind::same_task;
  bool at_tick = false;  // begins where the tick falls (mark_ticks)
  double ns() const { return static_cast<double>(to_ns - from_ns); }
};

struct SpanScan {
  std::vector<Span> spans;      // in time order
  std::size_t never_ran = 0;    // tasks with no read in the window
  std::size_t overlaps = 0;     // runs of two tasks that overlap: the tasks did not share one CPU
  std::size_t clock_faults = 0; // a timeline going backwards (a gap that ends before it begins,
                                // gaps out of order): then no span is given at all
};
SpanScan scan_spans(const std::vector<TaskTimeline>& tasks);

// The periodic tick, found from where spans begin: a tick stops whatever runs at the same phase of
// every period, so the phase (start mod period) that most spans share, within ± tolerance, is the
// tick's. `share` is the fraction of the starts within the tolerance of it; a grid fitted to fewer
// than kMinStarts starts is not valid, and then no span is at a tick.
struct TickGrid {
  static constexpr std::size_t kMinStarts = 5;
  double period_ns = 0, phase_ns = 0, tolerance_ns = 0;
  std::size_t starts = 0, on_grid = 0;
  bool valid() const { return period_ns > 0 && starts >= kMinStarts; }
  double share() const { return starts ? static_cast<double>(on_grid) / static_cast<double>(starts) : 0; }
  bool at(std::uint64_t t_ns) const;
};
TickGrid find_tick_grid(const std::vector<std::uint64_t>& starts_ns, double period_ns, double tolerance_ns);
// Fits the grid to the starts of the handover and same-task spans, and marks those on it.
TickGrid mark_ticks(SpanScan& scan, double period_ns, double tolerance_ns);

// The spans of one kind (and, with `at_tick` set, only those on or off the tick), in ns.
std::vector<double> span_lengths(const SpanScan& scan, SpanKind kind);
std::vector<double> span_lengths(const SpanScan& scan, SpanKind kind, bool at_tick);
std::size_t count_spans(const SpanScan& scan, SpanKind kind);

}  // namespace bench_switch
