// The switch experiment's loop, for the families that run it under other conditions.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>

#include "bare_loops/bare_loop.hpp"
#include "measure/fpenv.hpp"
#include "mechanisms.hpp"

namespace bench_switch {

// One point of the switch experiment: a mechanism in a placement, each side doing `work` per switch.
struct SwitchCase {
  const Mechanism* mechanism;
  PlacementKind where;
  Work work;
  std::string key;  // unique per registered benchmark: its batch size is chosen once and kept
  // When set, the control of the measurement (e.g. NoSwitchControl): timed in batches of the same
  // round trips paired with the switched ones, so that each pair sees the same machine.
  std::function<std::unique_ptr<Handoff>()> control = {};
  // What each side's MXCSR is while timed: both the default, except in the fpenv family.
  MxcsrSides mxcsr{};
  // The control as batches of this same one-thread handoff with both sides at the default MXCSR:
  // what the case adds over the default is then taken batch against batch, on the same fiber (fpenv).
  bool default_control = false;
  // The control as batches of this same handoff in its default state, for a handoff the family
  // switches between states between batches (xstate: the registers left live): called with true
  // before each control batch, false before each timed one and before the probe and counted pass.
  std::function<void(Handoff&, bool at_default)> hold_default = {};
  // Called where each batch begins (before the calibration, every timed batch and the probe) with
  // no control implied: a reading per batch of what the kernel counts beside the handoff (idle_rows.cpp).
  std::function<void()> at_batch = {};
  // Counters of the family's own, read from the handoff after the run (xstate: what each side had live).
  std::function<void(Handoff&, benchmark::UserCounters&)> add_counters = {};
  // After the timed loop, the latency distribution (latency_samples.hpp): the switch family and
  // the kernel rings.
  bool sample_latency = false;
  // The bare loop timed beside this benchmark's batches (self_check.hpp), where it has one.
  std::function<std::unique_ptr<bare::BareLoop>()> bare = {};
};

// Times one-way switches of the case and sets the switch family's counters. Other families (the
// granularity sweep, the cache footprint, the ring) run this same loop and add their own counters.
// With a control, also (per repetition, over its pairs of batches; median_interval: the median
// and its distribution-free 95 % interval):
//   control_ns_per_switch                      the control's time per switch
//   control_ratio, _lo, _hi                    control / switched, per pair
//   over_control_ns, over_control_lo_ns, _hi_ns  (switched − control) per switch, per pair
//   control_pairs                              how many pairs
void BM_Switch(benchmark::State& state, const SwitchCase& c);

}  // namespace bench_switch
