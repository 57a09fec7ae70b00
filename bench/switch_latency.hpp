// The switch experiment's loop, for the families that run it under other conditions.
#pragma once
#include <benchmark/benchmark.h>

#include "mechanisms.hpp"

namespace bench_switch {

// Times one-way switches of `mechanism` in placement `where` and sets the switch family's counters.
void BM_Switch(benchmark::State& state, const Mechanism& mechanism, PlacementKind where);

}  // namespace bench_switch
