#include "experiments/preemption_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "experiments/timeslices.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/timeline.hpp"
#include "measure/work.hpp"

namespace bench_switch {
namespace {

// A stop this long in a loop whose step is ~70 ns (a clock read and a 50 ns chunk) is time the
// worker was not in its loop. Short enough to see what the machine takes from a lone worker
// (a tick or device interrupt, a VM exit: 10-50 µs on a KVM guest), long enough that no slow read
// (a cache miss, a TLB miss) ever counts. Stops below it are in both the lone and the shared runs,
// at the same rate, and charged to neither.
constexpr std::uint64_t kFineGapNs = 5'000;

struct Run {
  LostTime lost;
  double lost_ns = 0;  // time no worker was in its loop: see run_workers
  double step_ns = 0;
  std::string error;
};

// `workers` identical workers on `cpu`, each doing chunk after chunk of spin_work until the end of
// the window, with a clock read after each chunk into its own GapDetector; the merged timelines
// give the time in which no worker ran (attribute). Each such stretch, bounded by two reads, also
// holds about one step of work (the chunk the worker was in when it stopped, finished when it or
// a peer resumed), so that much is taken back out of it.
Run run_workers(int workers, const cpu_set_t& cpu, double window_ns, std::uint64_t chunk_units) {
  std::vector<GapDetector> detectors;  // each written by its worker only
  detectors.reserve(static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) detectors.emplace_back(kFineGapNs);
  CrewPlan plan;
  plan.tasks = workers;
  plan.cpu = cpu;
  plan.window_ns = window_ns;
  const CrewResult crew = run_crew(plan, [&](int index, std::uint64_t end_ns) {
    GapDetector& detector = detectors[static_cast<std::size_t>(index)];
    for (std::uint64_t t = now_ns();; t = now_ns()) {
      detector.observe(t);
      if (t >= end_ns) return;
      spin_work(chunk_units);
    }
  });
  Run run;
  run.error = crew.error;
  if (!run.error.empty()) return run;
  std::vector<WorkerTimeline> timelines;
  double busy = 0, steps = 0;
  for (const GapDetector& detector : detectors) {
    const TimelineSummary s = detector.summary();
    // A worker that never ran twice in its window was kept off the CPU by other tasks (a loaded
    // machine, a low priority): this machine cannot measure it now, which is a skip, not a fault.
    if (s.reads < 2) {
      run.error = "skipped: a worker did not run in its window (other tasks held the CPU)";
      return run;
    }
    if (s.dropped != 0) {
      run.error = "a worker's timeline is incomplete";
      return run;
    }
    timelines.push_back(timeline_of(detector));
    busy += s.busy_ns;
    steps += static_cast<double>(s.reads - 1);
  }
  const Attribution attribution = attribute(timelines);
  run.lost = lost_time_of(attribution);
  run.lost.involuntary_switches = crew.counts.involuntary;
  run.lost.run_delay_ns = crew.counts.run_delay_ns;
  run.lost.steal_ns = crew.steal_ns;
  run.step_ns = busy / steps;
  run.lost_ns = std::max(0.0, static_cast<double>(attribution.outside_ns) -
                                  static_cast<double>(attribution.outside_stretches) * run.step_ns);
  if (run.step_ns * 20 > static_cast<double>(kFineGapNs))
    run.error = fmt::format("the loop's step ({:.0f} ns) is too close to the gap threshold ({} ns)", run.step_ns,
                            kFineGapNs);
  return run;
}

double share(const Run& r) { return r.lost_ns / static_cast<double>(r.lost.window_ns); }

}  // namespace

PreemptionCostResult measure_preemption_cost(const PreemptionCostConfig& config) {
  PreemptionCostResult out;
  const auto placement = crew_placement(config.competitors + 1, out.error);
  if (!placement) return out;
  // Calibrated here, once per process, never inside a window.
  const std::uint64_t chunk_units = std::max<std::uint64_t>(1, spin_units_for_ns(config.chunk_ns));
  const cpu_set_t& cpu = placement->measuring;

  std::vector<double> per_switch;  // one figure per triple
  double alone_share_sum = 0, shared_lost = 0, step_sum = 0;
  const std::uint64_t start = now_ns();
  for (;;) {
    const std::uint64_t triple_start = now_ns();
    // Alone just before and just after, so what the machine takes while the shared run runs
    // (interrupts, the host, a neighbour) is measured under the same conditions, not once at start.
    const Run before = run_workers(1, cpu, config.alone_ns, chunk_units);
    const Run shared = before.error.empty() ? run_workers(config.competitors + 1, cpu, config.window_ns, chunk_units) : before;
    const Run after = shared.error.empty() ? run_workers(1, cpu, config.alone_ns, chunk_units) : shared;
    if (!after.error.empty()) {
      out.error = after.error;  // the first failure, carried through
      return out;
    }
    const double alone_share = (share(before) + share(after)) / 2;
    // What the shared run would have lost had nobody shared the CPU, taken out; the rest is what
    // the switches between the workers cost.
    const double excess = shared.lost_ns - alone_share * static_cast<double>(shared.lost.window_ns);
    if (shared.lost.involuntary_switches > 0)
      per_switch.push_back(excess / static_cast<double>(shared.lost.involuntary_switches));
    out.shared += shared.lost;
    alone_share_sum += alone_share;
    shared_lost += shared.lost_ns;
    step_sum += shared.step_ns;
    ++out.triples;

    const auto n = static_cast<double>(per_switch.size());
    if (n >= 1) {
      const double mean = std::accumulate(per_switch.begin(), per_switch.end(), 0.0) / n;
      double ss = 0;
      for (const double v : per_switch) ss += (v - mean) * (v - mean);
      out.ns_direct_per_involuntary_switch = mean;
      out.ns_direct_uncertainty = n > 1 ? std::sqrt(ss / (n - 1) / n) : PreemptionCostResult::kNaN;
    }
    const double se = out.ns_direct_uncertainty, mean = out.ns_direct_per_involuntary_switch;
    if (out.triples >= config.min_triples && std::isfinite(se) && se < config.bound * std::abs(mean)) {
      out.stopped_by_bound = true;
      break;
    }
    const std::uint64_t now = now_ns();
    if (static_cast<double>(now - start + (now - triple_start)) > config.budget_ns) break;  // the next would overrun
  }
  // A cost at or below zero is no cost: the lone runs lost as much as the shared one, or more.
  out.resolved = std::isfinite(out.ns_direct_uncertainty) && out.ns_direct_per_involuntary_switch > out.ns_direct_uncertainty;
  out.alone_lost_share = alone_share_sum / out.triples;
  out.shared_lost_share = shared_lost / static_cast<double>(out.shared.window_ns);
  out.loop_step_ns = step_sum / out.triples;
  return out;
}

}  // namespace bench_switch
