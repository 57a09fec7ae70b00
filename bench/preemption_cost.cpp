// Family `preemption_cost`: the price of preemption. A CPU-bound loop (spin_work in chunks of
// ~5 µs) runs alone on a CPU, then with K identical competitors pinned to that CPU, then alone
// again; whatever wall time the shared run's work would not have taken alone went to the kernel's
// switches between the workers:
//   ns_lost_per_involuntary_switch = (wall − total work / work_rate_alone) / involuntary switches
// That is a small difference of two large times (~60 switches of a few µs in 0.25 s), so a drift
// of the core's speed between the runs alone and the shared run moves it by more than it measures
// on a VM; ns_lost_uncertainty says by how much (half the difference between the runs before and
// after). ns_direct_per_involuntary_switch is the same loss read off the workers' own clock reads
// (the time no worker was in its loop), which needs no rate alone: see run_workers.
//
// One iteration is one shared run (~0.25 s), run exactly once per benchmark (Iterations(1),
// Repetitions(1)); real_time is its wall time.
#include <fmt/format.h>

#include "experiments/preemption_cost.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

void BM_PreemptionCost(benchmark::State& state, int competitors) {
  PreemptionCostResult r;
  for (auto _ : state) {
    PreemptionCostConfig config;
    config.competitors = competitors;
    r = measure_preemption_cost(config);
    if (!r.error.empty()) {
      skip_or_fail(state, r.error);
      break;
    }
    state.SetIterationTime(r.window_ns * 1e-9);
  }
  if (!r.error.empty()) return;
  auto& c = state.counters;
  c["work_rate_alone"] = r.work_rate_alone;
  c["work_rate_shared"] = r.work_rate_shared;
  c["ns_lost_per_involuntary_switch"] = r.ns_lost_per_involuntary_switch;
  c["ns_lost_uncertainty"] = r.ns_lost_uncertainty;
  c["ns_direct_per_involuntary_switch"] = r.ns_direct_per_involuntary_switch;
  c["involuntary_switches"] = static_cast<double>(r.involuntary_switches);
}

const bool registered = [] {
  describe_family("preemption_cost",
                  {"ns of the shared run (one, run once); rates in spin units per ns, alone and all K + 1 workers "
                   "sharing one CPU; lost = CPU time lost per involuntary switch from the rates (± its uncertainty), "
                   "direct = the same from the workers' clock reads",
                   {{"work_rate_alone", "alone"},
                    {"work_rate_shared", "shared"},
                    {"ns_lost_per_involuntary_switch", "lost ns"},
                    {"ns_lost_uncertainty", "±"},
                    {"ns_direct_per_involuntary_switch", "direct ns"},
                    {"involuntary_switches", "invol"}}});
  for (const int k : {1, 3, 7}) {
    const std::string name = fmt::format("preemption_cost/spin_work/K:{}", k);
    EntryFields fields{"preemption_cost", "spin_work", "preemptive", "thread", "same_cpu",
                       "ns of the shared run (K + 1 workers on one CPU)", {{"K", k}}};
    add_benchmark(name, fields, [k](benchmark::State& s) { BM_PreemptionCost(s, k); })->Iterations(1)->Repetitions(1);
    if (k == 1) mark_quick(name);
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
