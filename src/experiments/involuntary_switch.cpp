#include "experiments/involuntary_switch.hpp"

#include <fmt/format.h>

#include <array>

#include "measure/affinity.hpp"
#include "measure/loop_clock.hpp"
#include "measure/timeline.hpp"
#include "mechanisms/shared_block.hpp"

namespace bench_switch {
namespace {

// One detector per crew slot, built in place at the span threshold (a detector is 256 KB: never copied).
struct InvoluntarySlot {
  GapDetector timeline{kSpanGapNs};
};
struct InvoluntaryRecords {
  // A user-provided constructor: only the detectors' counters are written here; each task writes
  // its own gap slots (prefault) before its first read.
  InvoluntaryRecords() {}
  std::array<InvoluntarySlot, kMaxCrew> slot;
};

// The crew's timelines, or why they cannot be read.
std::vector<TaskTimeline> timelines_of(const InvoluntaryRecords& records, int tasks, double& step_ns, std::string& error) {
  std::vector<TaskTimeline> out;
  double busy = 0, steps = 0;
  for (int i = 0; i < tasks; ++i) {
    const GapDetector& d = records.slot[static_cast<std::size_t>(i)].timeline;
    const TimelineSummary s = d.summary();
    if (s.dropped != 0) {
      error = fmt::format("a task stopped more than {} times; its timeline is incomplete", GapDetector::kCapacity);
      return {};
    }
    out.push_back({d.reads(), d.reads() ? timeline_of(d) : WorkerTimeline{}});
    if (s.reads > 1) busy += s.busy_ns, steps += static_cast<double>(s.reads - 1);
  }
  step_ns = steps > 0 ? busy / steps : 0;
  return out;
}

std::string scan_error(const SpanScan& scan) {
  if (scan.clock_faults) return "the clock went backwards in a task's timeline";
  if (scan.overlaps) return fmt::format("{} runs of two tasks overlapped: the crew did not share one CPU", scan.overlaps);
  if (scan.never_ran) return "skipped: a task did not run in its window (other tasks held the CPU)";
  return "";
}

}  // namespace

SpanFigures figures_of(const std::vector<double>& spans_ns) {
  SpanFigures f;
  f.count = spans_ns.size();
  for (const double v : spans_ns) f.histogram.record(v);
  f.median = median_interval(spans_ns);
  if (f.count == 0) return f;
  f.p10 = percentile(spans_ns, 0.10), f.p50 = percentile(spans_ns, 0.50);
  f.p90 = percentile(spans_ns, 0.90), f.p99 = percentile(spans_ns, 0.99);
  return f;
}

HandoverResult handovers_of(SpanScan scan, double tick_period_ns) {
  HandoverResult out;
  out.error = scan_error(scan);
  if (!out.error.empty()) return out;
  out.tick = mark_ticks(scan, tick_period_ns, kTickToleranceNs);
  std::vector<double> handovers, ticks;
  for (const Span& s : scan.spans) {
    const bool long_span = s.ns() > static_cast<double>(kPreemptionGapNs);
    if (s.kind == SpanKind::start) ++out.starts;
    if (s.kind == SpanKind::handover) {
      if (long_span) {
        ++out.long_handovers;
        continue;
      }
      handovers.push_back(s.ns());
      out.handovers_at_tick += s.at_tick ? 1 : 0;
    }
    if (s.kind != SpanKind::same_task) continue;
    if (long_span) {
      ++out.long_same_task;
    } else if (s.at_tick) {
      ticks.push_back(s.ns());
    } else {
      ++out.same_task_off_tick, out.same_task_off_tick_ns += s.ns();
    }
  }
  out.handovers = figures_of(handovers);
  out.ticks = figures_of(ticks);
  out.same_task_at_tick = out.ticks.count;
  return out;
}

HandoverResult measure_handovers(const HandoverConfig& config) {
  HandoverResult out;
  const auto placement = crew_placement(config.tasks, out.error);
  if (!placement) return out;
  SharedBlock<InvoluntaryRecords> records(config.kind == TaskKind::process);
  const bool use_tsc = counter_constant_rate();
  const TscNs tsc;  // calibrated here, never inside the window
  const auto body = [&](int index, std::uint64_t end_ns) {
    GapDetector& d = records->slot[static_cast<std::size_t>(index)].timeline;
    d.prefault();
    if (use_tsc) {
      observe_until(d, tsc, end_ns);
    } else {
      observe_until(d, MonotonicNs{}, end_ns);
    }
  };
  const CrewPlan plan{config.tasks, config.kind, config.policy, placement->measuring, config.window_ns};
  const CrewResult crew = run_crew(plan, body);
  if (!crew.error.empty()) return out.error = crew.error, out;

  double step_ns = 0;
  const std::vector<TaskTimeline> tasks = timelines_of(*records, config.tasks, step_ns, out.error);
  if (!out.error.empty()) return out;
  double period = config.tick_period_ns;
  if (!(period > 0) && crew.interrupts && crew.interrupts->timer > 0)
    period = config.window_ns / static_cast<double>(crew.interrupts->timer);
  const SpanScan scan = scan_spans(tasks);
  out = handovers_of(scan, period);
  if (!out.error.empty()) return out;
  std::uint64_t first = UINT64_MAX, last = 0;
  for (const TaskTimeline& t : tasks) first = std::min(first, t.timeline.first_ns), last = std::max(last, t.timeline.last_ns);
  out.window_ns = static_cast<double>(last - first);
  out.loop_step_ns = step_ns;
  out.counts = crew.counts;
  out.interrupts = crew.interrupts;
  out.steal_ns = crew.steal_ns;
  if (step_ns * 20 > static_cast<double>(kSpanGapNs))
    out.error = fmt::format("the loop's step ({:.0f} ns) is too close to the span threshold ({} ns)", step_ns, kSpanGapNs);
  return out;
}

}  // namespace bench_switch
