// The counters that go beside every figure resting on the attribution of lost time (timeslice):
// how much of the window no worker ran, in how many stretches, the longest, and
// what the kernel counted meanwhile. docs/JSON.md lists them.
#pragma once
#include <benchmark/benchmark.h>

#include "measure/attribution.hpp"

namespace bench_switch {

inline void add_lost_time_counters(benchmark::UserCounters& c, const LostTime& t) {
  c["outside_share"] = t.outside_share();
  c["outside_ns"] = static_cast<double>(t.outside_ns);
  c["outside_stretches"] = static_cast<double>(t.outside_stretches);
  c["outside_max_ns"] = static_cast<double>(t.outside_max_ns);
  c["outside_gaps"] = static_cast<double>(t.outside_gaps);
  c["peer_gaps"] = static_cast<double>(t.peer_gaps);
  c["involuntary_switches"] = static_cast<double>(t.involuntary_switches);
  c["run_delay_ns"] = static_cast<double>(t.run_delay_ns);
  // Absent rather than 0 where /proc/stat has no steal for the CPU: 0 would claim the host took nothing.
  if (t.steal_ns) c["steal_ns"] = static_cast<double>(*t.steal_ns);
}

}  // namespace bench_switch
