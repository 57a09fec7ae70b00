#include "experiments/preemption_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "experiments/timeslices.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/timeline.hpp"
#include "measure/work.hpp"

namespace bench_switch {
namespace {

struct Run {
  double units = 0;    // spin units done by all workers
  double wall_ns = 0;  // the first worker's first clock read to the last worker's last
  double in_loop_ns = 0;  // the time some worker was in its loop: see run_workers
  TaskCounts counts;
  std::string error;
};

// `workers` identical workers on `cpu`, each doing chunk after chunk of spin_work until the end of
// the window, with a clock read after each chunk into its own GapDetector. Between the first start
// and the last finish the CPU is never idle: every worker is runnable from the gate until its last
// chunk is done (each finishes the chunk it is in when the window ends). So the wall time is all
// CPU time: the work, plus whatever switching and scheduling took.
//
// The timelines also give that second part directly. A gap (> kPreemptionGapNs between two reads)
// holds, besides the time the worker was off the CPU, the one chunk it was in when preempted (the
// part before and the part after); so a worker was in its loop for its time between gaps plus one
// chunk per gap. Wall time minus that, summed over the workers, is the time no worker was in its
// loop: the switches themselves (and the tick that triggered them).
Run run_workers(int workers, const cpu_set_t& cpu, double window_ns, std::uint64_t chunk_units) {
  std::vector<GapDetector> timelines(static_cast<std::size_t>(workers));  // each written by its worker only
  CrewPlan plan;
  plan.tasks = workers;
  plan.cpu = cpu;
  plan.window_ns = window_ns;
  const CrewResult crew = run_crew(plan, [&](int index, std::uint64_t end_ns) {
    GapDetector& timeline = timelines[static_cast<std::size_t>(index)];
    // One clock read per chunk: ~0.5 % of the loop, the same alone and shared, so it cancels out
    // of the comparison of the two.
    for (std::uint64_t t = now_ns();; t = now_ns()) {
      timeline.observe(t);
      if (t >= end_ns) return;
      spin_work(chunk_units);
    }
  });
  Run run;
  run.error = crew.error;
  run.counts = crew.counts;
  if (!run.error.empty()) return run;
  std::uint64_t first = UINT64_MAX, finish = 0, chunks = 0;
  for (const GapDetector& timeline : timelines) {
    const TimelineSummary s = timeline.summary();
    if (s.dropped != 0 || s.reads < 2) {
      run.error = "a worker's timeline is incomplete";
      return run;
    }
    first = std::min(first, timeline.first_ns());
    finish = std::max(finish, timeline.last_ns());
    chunks += s.reads - 1;
    run.in_loop_ns += s.busy_ns + static_cast<double>(s.gaps_ns.size()) * s.step_ns();
  }
  run.units = static_cast<double>(chunks) * static_cast<double>(chunk_units);
  run.wall_ns = static_cast<double>(finish - first);
  return run;
}

}  // namespace

PreemptionCostResult measure_preemption_cost(const PreemptionCostConfig& config) {
  PreemptionCostResult out;
  const auto placement = crew_placement(config.competitors + 1, out.error);
  if (!placement) return out;
  // Calibrated here, once per process, never inside a window.
  const std::uint64_t chunk_units = std::max<std::uint64_t>(1, spin_units_for_ns(config.chunk_ns));

  // Alone just before and just after the shared run, so a drift of the core's speed (frequency,
  // a noisy neighbour on the host) shows as a difference between the two instead of as lost time.
  const Run before = run_workers(1, placement->measuring, config.alone_ns, chunk_units);
  const Run shared = before.error.empty()
                         ? run_workers(config.competitors + 1, placement->measuring, config.window_ns, chunk_units)
                         : before;
  const Run after = shared.error.empty() ? run_workers(1, placement->measuring, config.alone_ns, chunk_units) : shared;
  if (!after.error.empty()) {
    out.error = after.error;  // the first failure, carried through
    return out;
  }

  // Per ns in the loop, not per ns of wall time: should another task take the CPU during a run
  // alone (a shared machine), that time is not the worker's speed.
  const double rate_before = before.units / before.in_loop_ns, rate_after = after.units / after.in_loop_ns;
  out.work_rate_alone = (rate_before + rate_after) / 2;
  out.work_rate_shared = shared.units / shared.wall_ns;
  out.window_ns = shared.wall_ns;
  out.involuntary_switches = shared.counts.involuntary;
  // The useful time is what the shared run's work would have taken alone; the rest of the wall
  // time went to switching. Not clamped: when switches are rare and cheap, noise in the rate alone
  // can make it negative, which ns_lost_uncertainty then says.
  const double useful_ns = shared.units / out.work_rate_alone;
  const double switches = static_cast<double>(out.involuntary_switches);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.ns_lost_per_involuntary_switch = switches > 0 ? (shared.wall_ns - useful_ns) / switches : nan;
  const double rate_error = std::abs(rate_before - rate_after) / 2 / out.work_rate_alone;
  out.ns_lost_uncertainty = switches > 0 ? useful_ns * rate_error / switches : nan;
  out.ns_direct_per_involuntary_switch = switches > 0 ? (shared.wall_ns - shared.in_loop_ns) / switches : nan;
  return out;
}

}  // namespace bench_switch
