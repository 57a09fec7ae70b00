// The cross_cpu rows measured again with the target CPUs awake and busy (bench/idle_rows.cpp).
#pragma once
#include "mechanisms.hpp"

namespace bench_switch {

// Registers switch/<m>/cross_cpu/idle:awake and idle:busy when `m` is one of the mechanisms
// measured in the three states; nothing otherwise. Called right after m's cross_cpu row, so that
// the three sit together in the table, the JSON and the charts.
void add_idle_rows(const Mechanism& m);

}  // namespace bench_switch
