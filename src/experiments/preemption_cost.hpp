// The price of preemption: the CPU time K + 1 CPU-bound workers sharing one CPU lose per
// involuntary switch beyond what one worker alone on that CPU loses anyway (interrupts, the host).
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "measure/attribution.hpp"

namespace bench_switch {

struct PreemptionCostConfig {
  int competitors = 1;      // K: workers besides the first, all on the same CPU (K + 1 in all)
  double window_ns = 6e7;   // one shared run
  double alone_ns = 2e7;    // each lone run, one just before and one just after the shared run
  double chunk_ns = 50;     // work between two clock reads: the step stays far below kFineGapNs
  double budget_ns = 6e8;   // wall time after which no further before/shared/after triple starts
  int min_triples = 3;      // before the bound is tried: a spread of two is no spread
  double bound = 0.2;       // stop once the uncertainty is below this fraction of the figure
};

struct PreemptionCostResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // Per triple: (time no worker was in its loop in the shared run − what the lone runs lose per
  // ns of window × the shared window) / the shared run's involuntary switches; then the mean of
  // the triples and its standard error.
  double ns_direct_per_involuntary_switch = kNaN;
  double ns_direct_uncertainty = kNaN;
  bool resolved = false;  // the figure exceeds its uncertainty (a figure at or below 0 never does)
  int triples = 0;
  bool stopped_by_bound = false;  // else the time budget was spent first
  double alone_lost_share = kNaN;   // lost / window of the lone runs, mean
  double shared_lost_share = kNaN;  // lost / window of the shared runs, all triples
  LostTime shared;                  // the shared runs' merged timelines and kernel counts, summed
  double loop_step_ns = 0;          // mean time between two clock reads while a worker runs
  std::string error;  // non-empty: no figures; "skipped: ..." when the kernel refused
};

// Threads pinned to the same-CPU placement's CPU, created and run by run_crew (timeslices.hpp).
PreemptionCostResult measure_preemption_cost(const PreemptionCostConfig& config);

}  // namespace bench_switch
