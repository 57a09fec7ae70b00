// The switch experiment's loop, for the families that run it under other conditions.
#pragma once
#include <benchmark/benchmark.h>

#include "measure/fpenv.hpp"
#include "mechanisms.hpp"

namespace bench_switch {

// One point of the switch experiment: a mechanism in a placement, each side doing `work` per switch.
struct SwitchCase {
  const Mechanism* mechanism;
  PlacementKind where;
  Work work;
  std::string key;  // unique per registered benchmark: its batch size is chosen once and kept
  // What each side's MXCSR is while timed: both the default, except in the fpenv family.
  MxcsrSides mxcsr{};
  // Control batches of the same one-thread handoff with both sides at the default MXCSR, alternated
  // with the timed ones: what the case adds over the default is then taken batch against batch,
  // on the same fiber, and the machine's drift between benchmarks stays out of it (fpenv).
  bool default_control = false;
};

// Times one-way switches of the case and sets the switch family's counters. Other families (the
// granularity sweep, the cache footprint, the ring) run this same loop and add their own counters.
void BM_Switch(benchmark::State& state, const SwitchCase& c);

}  // namespace bench_switch
