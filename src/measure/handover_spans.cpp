#include "measure/handover_spans.hpp"

#include <algorithm>
#include <cmath>

namespace bench_switch {
namespace {

struct Run {
  std::uint64_t begin, end;
  int task;
  bool first, last;  // the task's first run (begins at its first read) and its last (ends at its last)
};

// A timeline whose gaps do not lie in order inside [first, last] went backwards somewhere.
bool consistent(const WorkerTimeline& w) {
  std::uint64_t at = w.first_ns;
  for (const Gap& g : w.gaps) {
    if (g.from_ns < at || g.to_ns < g.from_ns) return false;
    at = g.to_ns;
  }
  return at <= w.last_ns;
}

void add_runs(const WorkerTimeline& w, int task, std::vector<Run>& runs) {
  std::uint64_t begin = w.first_ns;
  for (std::size_t i = 0; i <= w.gaps.size(); ++i) {
    const std::uint64_t end = i < w.gaps.size() ? w.gaps[i].from_ns : w.last_ns;
    runs.push_back({begin, end, task, i == 0, i == w.gaps.size()});
    if (i < w.gaps.size()) begin = w.gaps[i].to_ns;
  }
}

SpanKind kind_between(const Run& a, const Run& b) {
  if (b.first) return SpanKind::start;
  if (a.last) return SpanKind::end;
  return a.task == b.task ? SpanKind::same_task : SpanKind::handover;
}

// Distance from `phase` to `x` around a circle of length `period`.
double circular_distance(double x, double phase, double period) {
  const double d = std::fabs(std::fmod(x - phase, period));
  return std::min(d, period - d);
}

}  // namespace

const char* to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::handover: return "handover";
    case SpanKind::same_task: return "same_task";
    case SpanKind::start: return "start";
    case SpanKind::end: return "end";
  }
  return "?";
}

SpanScan scan_spans(const std::vector<TaskTimeline>& tasks) {
  SpanScan out;
  std::vector<Run> runs;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].reads == 0) {
      ++out.never_ran;
      continue;
    }
    if (!consistent(tasks[i].timeline)) ++out.clock_faults;
    add_runs(tasks[i].timeline, static_cast<int>(i), runs);
  }
  if (out.clock_faults) return out;
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.begin < b.begin; });
  for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
    const Run &a = runs[i], &b = runs[i + 1];
    if (b.begin < a.end) {
      ++out.overlaps;
      continue;
    }
    // Touching runs (one read ends one task's run and begins another's) leave no span.
    if (b.begin == a.end) continue;
    out.spans.push_back({a.end, b.begin, a.task, b.task, kind_between(a, b), false});
  }
  return out;
}

bool TickGrid::at(std::uint64_t t_ns) const {
  return valid() && circular_distance(static_cast<double>(t_ns), phase_ns, period_ns) <= tolerance_ns;
}

TickGrid find_tick_grid(const std::vector<std::uint64_t>& starts_ns, double period_ns, double tolerance_ns) {
  TickGrid grid{period_ns, 0, tolerance_ns, starts_ns.size(), 0};
  if (!(period_ns > 0) || starts_ns.empty()) return grid;
  std::vector<double> phase;
  for (const std::uint64_t t : starts_ns) phase.push_back(std::fmod(static_cast<double>(t), period_ns));
  std::sort(phase.begin(), phase.end());
  // The window [phase[i], phase[i] + 2·tolerance] that holds the most phases, around the circle.
  const std::size_t n = phase.size();
  std::size_t best = 0, best_count = 0;
  for (std::size_t i = 0, j = 0; i < n; ++i) {
    if (j < i) j = i;
    auto width = [&](std::size_t k) { return k < n ? phase[k] - phase[i] : phase[k - n] + period_ns - phase[i]; };
    while (j + 1 < i + n && width(j + 1) <= 2 * tolerance_ns) ++j;
    if (j - i + 1 > best_count) best = i, best_count = j - i + 1;
  }
  const double hi = best + best_count - 1 < n ? phase[best + best_count - 1] : phase[best + best_count - 1 - n] + period_ns;
  grid.phase_ns = std::fmod((phase[best] + hi) / 2, period_ns);
  for (const std::uint64_t t : starts_ns) grid.on_grid += grid.at(t) ? 1 : 0;
  return grid;
}

TickGrid mark_ticks(SpanScan& scan, double period_ns, double tolerance_ns) {
  std::vector<std::uint64_t> starts;
  for (const Span& s : scan.spans)
    if (s.kind == SpanKind::handover || s.kind == SpanKind::same_task) starts.push_back(s.from_ns);
  const TickGrid grid = find_tick_grid(starts, period_ns, tolerance_ns);
  for (Span& s : scan.spans)
    s.at_tick = (s.kind == SpanKind::handover || s.kind == SpanKind::same_task) && grid.at(s.from_ns);
  return grid;
}

std::vector<double> span_lengths(const SpanScan& scan, SpanKind kind) {
  std::vector<double> out;
  for (const Span& s : scan.spans)
    if (s.kind == kind) out.push_back(s.ns());
  return out;
}

std::vector<double> span_lengths(const SpanScan& scan, SpanKind kind, bool at_tick) {
  std::vector<double> out;
  for (const Span& s : scan.spans)
    if (s.kind == kind && s.at_tick == at_tick) out.push_back(s.ns());
  return out;
}

std::size_t count_spans(const SpanScan& scan, SpanKind kind) {
  return static_cast<std::size_t>(std::count_if(scan.spans.begin(), scan.spans.end(), [kind](const Span& s) { return s.kind == kind; }));
}

}  // namespace bench_switch
