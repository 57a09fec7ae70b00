// The switch experiment's loop: batches of round trips of one handoff, timed in wall time, each
// paired with a control batch where there is one, then the kernel's counts, the MXCSR probe, the
// counted pass and the carrier alone. Every family that times one-way switches runs it (switch,
// fpenv, xstate, granularity, footprint, ring); bench/switch.cpp turns its result into a
// benchmark's counters. No Google Benchmark here: the budget of batches is an interface.
//
// A family's specifics are strategies, each acting between batches, never inside a timed one:
// the MXCSR each side holds (MxcsrPlan, family fpenv), and a BatchState for what a family holds in
// the handoff or reads beside it (xstate's live registers, the idle rows' ledger, the latency
// samples taken after the timed loop).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "handoff.hpp"
#include "measure/affinity.hpp"
#include "measure/fpenv.hpp"
#include "measure/handoff_timing.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/paired_batches.hpp"
#include "measure/self_check_pairs.hpp"
#include "measure/work.hpp"
#include "mechanisms.hpp"

namespace bench_switch {

// What each side's MXCSR is while timed: both the default, except in the fpenv family.
struct MxcsrPlan {
  MxcsrSides timed{};
  // The control as batches of this same one-thread handoff with both sides at the default MXCSR:
  // what the case adds over the default is then taken batch against batch, on the same fiber (fpenv).
  bool default_control = false;
};

// One point of the switch experiment: a mechanism in a placement, each side doing `work` per switch.
struct SwitchCase {
  const Mechanism* mechanism;
  PlacementKind where;
  Work work;
  std::string key;  // unique per registered benchmark: its batch size is chosen once and kept
  // When set, the control of the measurement (e.g. NoSwitchControl): timed in batches of the same
  // round trips paired with the switched ones, so that each pair sees the same machine.
  std::function<std::unique_ptr<Handoff>()> control = {};
  MxcsrPlan mxcsr{};
  // The bare loop timed beside this benchmark's batches (bench/self_check.hpp), where it has one.
  MakeBareLoop bare = {};
};

// What the loop hands a BatchState after the counted pass: the timed loop's batch and mean, and
// `hold`, which sets each side as before every timed batch (call it right before any batches).
struct TimedLoop {
  std::uint64_t round_trips;
  double ns_per_switch;
  const std::function<void()>& hold;
};

// What a family holds in the handoff between batches and reads beside it. Each call is between
// batches, outside the timed region; a family with none passes no BatchState.
class BatchState {
 public:
  virtual ~BatchState() = default;
  // True when the control is this same handoff in its default state, timed in batches paired
  // with the timed ones (xstate: the registers left live).
  virtual bool is_own_control() const { return false; }
  // Where each batch begins: before the calibration, every timed batch (at_default false), every
  // control batch of this same handoff (true), the probe and the latency samples.
  virtual void before_batch(Handoff&, bool /*at_default*/) {}
  // After the timed loop, the probe and the counted pass, the handoff still live.
  virtual void after_counted_pass(Handoff&, const TimedLoop&) {}
  // Last, when the tally held: what the family reads from the handoff after the run.
  virtual void at_end(Handoff&) {}
};

// Who decides how many batches run, and receives each timed batch's time (Google Benchmark's
// State in bench/). Called once per batch, outside the timed region.
class BatchBudget {
 public:
  virtual ~BatchBudget() = default;
  virtual bool next_batch(std::uint64_t switches) = 0;
  virtual void timed(double wall_ns) = 0;
};

struct SwitchLoopResult {
  enum class Outcome { measured, skipped, partner_lost, broken };
  Outcome outcome = Outcome::measured;
  std::string why;               // what skipped it, lost the partner or broke the handoff
  bool timed_loop_done = false;  // a partner lost after the timed loop (in the counted pass)
  Batch total;                   // the timed batches
  Batch on_control;              // the control batches, where there are any
  bool paired = false;           // a control was timed beside the timed batches
  bool own_control = false;      // ... and it was this same handoff (fpenv, xstate)
  PairedBatches pairs;
  TaskCounts kernel;                    // over the timed loop (with this same handoff's control batches)
  std::uint64_t kernel_switches = 0;    // the switches those counts cover
  double window_ns = 0;                 // the wall time they cover
  CountedPass counted;
  std::optional<MxcsrSides> seen;       // what each side of a one-thread handoff held
  std::optional<double> carrier_ns_per_switch;  // the carrier alone, where the mechanism has one
  SelfCheckFigures self_check;
};

// Times one-way switches of `c` in `placement` (resolved by the caller) until `budget` says stop.
// Exceptions other than a refused pin or a lost partner (a refused resource) pass through.
SwitchLoopResult run_switch_loop(const SwitchCase& c, const Placement& placement, BatchBudget& budget,
                                 BatchState* state = nullptr);

// The switches per batch that the repetitions of `key` run in: chosen on its first call, and kept
// (one round trip when none was chosen yet: the first call failed before calibrating).
std::uint64_t kept_batch_switches(const std::string& key);

}  // namespace bench_switch
