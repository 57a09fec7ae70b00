// The target CPU's idle state as a controlled variable of the switch family (measure/idle_control.hpp).
// A handoff across CPUs wakes a task whose CPU waits in an idle state, and leaving it is part of
// the figure: on a KVM guest with haltpoll most of it. So two mechanisms' cross_cpu rows are also
// measured with the CPUs `awake` (polling only) and `busy` (a SCHED_IDLE spinner on each), each
// paired batch by batch with a control measured in the same call:
//   switch/<mechanism>/cross_cpu/idle:awake   awake batches, paired with idle ones (as configured)
//   switch/<mechanism>/cross_cpu/idle:busy    busy batches, paired with awake ones
// The plain switch/<mechanism>/cross_cpu row is the idle state. Beside ksw, each row gives the idle
// entries per switch and each state's share of the CPUs' time, read before and after every batch.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <optional>

#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/idle_control.hpp"
#include "measure/idle_states.hpp"
#include "measure/placement_pairs.hpp"
#include "mechanisms.hpp"
#include "registry.hpp"
#include "idle_rows.hpp"
#include "switch_latency.hpp"

namespace bench_switch {
namespace {

// Two mechanisms (a thread's futex, a process's pipe) on the one cross-CPU placement of every
// machine: 4 rows of paired batches, about 2 s of the default run (docs/METHODOLOGY.md's budget).
constexpr const char* kIdleRowMechanisms[] = {"thread_futex", "process_pipe"};
// A handoff to a waiting partner on an idle CPU enters an idle state at least once per switch (the
// waiter's CPU, each way); far fewer says the CPUs were kept busy by other tasks.
constexpr double kIdleEntriesExpected = 0.5;

// Entries per switch (all, deep, each state) and each state's share of the CPUs' time in the batches.
void add_idle_counters(benchmark::UserCounters& c, const std::string& prefix, const IdleBatchLedger::Bucket& b,
                       double switches_per_batch, std::size_t cpus) {
  const double switches = switches_per_batch * b.batches;
  if (switches <= 0 || b.wall_ns <= 0) return;
  std::uint64_t all = 0;
  for (const auto& [state, n] : b.use.entries) {
    all += n;
    c[prefix + "idle_entries_per_switch_" + idle_counter_name(state)] = static_cast<double>(n) / switches;
    c[prefix + "idle_share_" + idle_counter_name(state)] = 1e3 * static_cast<double>(b.use.time_us.at(state)) / (b.wall_ns * static_cast<double>(cpus));
  }
  c[prefix + "idle_entries_per_switch"] = static_cast<double>(all) / switches;
  c[prefix + "deep_idle_entries_per_switch"] = static_cast<double>(b.use.deep_entries) / switches;
}

// A paired difference as the row's own counters, `sign` turning "timed − control" around where
// the row reports "control − timed" (the idle exit is idle − awake).
void rename_difference(benchmark::UserCounters& c, const std::string& name, double sign) {
  if (!c.count("over_control_ns")) return;
  const double m = c["over_control_ns"], lo = c["over_control_lo_ns"], hi = c["over_control_hi_ns"];
  c[name + "_ns"] = sign * m;
  c[name + "_lo_ns"] = sign > 0 ? lo : -hi;
  c[name + "_hi_ns"] = sign > 0 ? hi : -lo;
  for (const char* k : {"over_control_ns", "over_control_lo_ns", "over_control_hi_ns", "ns_over_default", "control_ratio",
                        "control_ratio_lo", "control_ratio_hi"})
    c.erase(k);
}

std::vector<int> idle_rows_cpus(const Placement& p) {
  std::vector<int> out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &p.measuring) || CPU_ISSET(cpu, &p.partner)) out.push_back(cpu);
  return out;
}

void BM_IdleRow(benchmark::State& state, const Mechanism& m, IdleCondition condition, const std::string& key) {
  std::string why_not;
  const auto placement = resolve_placement(PlacementKind::cross_cpu, why_not);
  if (!placement) return skip(state, why_not);
  const std::vector<int> cpus = idle_rows_cpus(*placement);
  const IdleFacts facts = read_idle_facts("", cpus);
  const std::string device = latency_device("");
  // Both rows hold the request: awake in its timed batches, busy in its (awake) control ones.
  if (const std::string why = awake_unavailable(facts.absent, device, try_latency_device(device)); !why.empty())
    return skip(state, condition == IdleCondition::busy ? why + " (busy is paired with awake batches)" : why);
  LatencyRequest request(device);
  std::unique_ptr<IdleSpinners> spinners;
  try {
    if (condition == IdleCondition::busy) spinners = std::make_unique<IdleSpinners>(cpus);
  } catch (const PinRefused& e) {
    return skip(state, e.what());
  }
  IdleBatchLedger ledger("", cpus);
  SwitchCase sc{&m, PlacementKind::cross_cpu, Work{}, key};
  sc.hold_default = [&](Handoff&, bool control) {
    ledger.at_batch_start(control);
    const bool awake = condition == IdleCondition::awake ? !control : control;
    if (awake) {
      if (spinners) spinners->pause();
      request.hold(0);
    } else {
      request.release();
      if (spinners) spinners->spin();
    }
  };
  BM_Switch(state, sc);
  request.release();
  if (spinners) spinners->pause();
  if (state.error_occurred() || ledger.timed().batches == 0) return;

  auto& c = state.counters;
  const double per_batch = c["switches"] / ledger.timed().batches;
  add_idle_counters(c, "", ledger.timed(), per_batch, ledger.cpus());
  add_idle_counters(c, "control_", ledger.control(), per_batch, ledger.cpus());
  if (condition == IdleCondition::awake) {
    rename_difference(c, "idle_exit", -1);
    const double deep = c["deep_idle_entries_per_switch"];
    if (const std::string failed = awake_not_held(deep); !failed.empty()) fail_mid_loop(state, 0, key, failed, true);
  } else {
    rename_difference(c, "busy_minus_awake", 1);
    // About 1: every spinner started in every busy batch (and in the calibration before them).
    c["spinner_starts_per_batch"] =
        static_cast<double>(spinners->laps()) / ((ledger.timed().batches + 1.0) * static_cast<double>(ledger.cpus()));
  }
}

// The row's name for a mechanism in a state: switch/thread_futex/cross_cpu/idle:awake.
std::string idle_row_name(const std::string& mechanism, IdleCondition condition) {
  return fmt::format("switch/{}/cross_cpu/idle:{}", mechanism, to_string(condition));
}

// A counter of an aggregate entry, NaN where absent or null (an interval of too few pairs is null).
double idle_rows_field(const nlohmann::json& entry, const char* name) {
  const auto it = entry.find(name);
  return it != entry.end() && it->is_number() ? it->get<double>() : NAN;
}

// The idle exit per mechanism: idle − awake per pair of batches (the medians over the repetitions
// of each repetition's paired median and its 95 % interval), and its share of the idle figure.
std::optional<Finding> idle_exit_cost(const nlohmann::json& doc) {
  std::vector<std::string> parts, names;
  bool resolved = true;
  for (const char* mechanism : kIdleRowMechanisms) {
    const std::string row = idle_row_name(mechanism, IdleCondition::awake);
    const nlohmann::json* a = aggregate_of(doc, row, "median");
    if (a == nullptr || !a->contains("idle_exit_ns")) continue;
    const double exit_ns = idle_rows_field(*a, "idle_exit_ns"), lo = idle_rows_field(*a, "idle_exit_lo_ns"), hi = idle_rows_field(*a, "idle_exit_hi_ns");
    const double idle = idle_rows_field(*a, "control_ns_per_switch"), awake = idle_rows_field(*a, "real_time");
    const double idle_entries = idle_rows_field(*a, "control_idle_entries_per_switch");
    std::string part = fmt::format("{} cross_cpu {:.0f} ns per switch idle against {:.0f} ns awake, ", mechanism, idle, awake);
    // A CPU that other tasks keep busy never idles: then there was no exit to measure.
    if (!(idle_entries >= kIdleEntriesExpected)) {
      resolved = false;
      parts.push_back(part + fmt::format("no idle exit to measure: the idle batches' CPUs entered idle states {:.2f} times per "
                                         "switch (other tasks kept them busy)", idle_entries));
      names.push_back(row);
      continue;
    }
    if (std::isnan(lo) || std::isnan(hi)) {
      resolved = false;
      parts.push_back(part + "the exit has no interval (too few pairs of batches)"), names.push_back(row);
      continue;
    }
    const bool r = lo > 0 || hi < 0;
    resolved = resolved && r;
    part += r ? fmt::format("the exit {:.0f} ns (95 % interval {:.0f}–{:.0f}), {:.0f} % of the idle figure", exit_ns, lo, hi, 100 * exit_ns / idle)
              : fmt::format("the exit not resolved (its interval {:.0f}–{:.0f} ns holds 0)", lo, hi);
    part += fmt::format("; deep idle entries per switch {:.2f} idle, {:.3f} awake", idle_rows_field(*a, "control_deep_idle_entries_per_switch"),
                        idle_rows_field(*a, "deep_idle_entries_per_switch"));
    parts.push_back(part), names.push_back(row);
  }
  if (parts.empty()) return std::nullopt;
  std::string text = "leaving the idle state the machine is configured with, paired batch against batch with the CPUs held "
                     "polling (PM QoS latency request 0): ";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; " : "") + parts[i];
  return Finding{text, names, resolved};
}

// A wake-up onto a CPU that runs a SCHED_IDLE task against one onto an awake idle CPU.
std::optional<Finding> busy_against_awake(const nlohmann::json& doc) {
  std::vector<std::string> parts, names;
  bool resolved = true;
  for (const char* mechanism : kIdleRowMechanisms) {
    const std::string row = idle_row_name(mechanism, IdleCondition::busy);
    const nlohmann::json* b = aggregate_of(doc, row, "median");
    if (b == nullptr || !b->contains("busy_minus_awake_ns")) continue;
    const double d = idle_rows_field(*b, "busy_minus_awake_ns"), lo = idle_rows_field(*b, "busy_minus_awake_lo_ns"), hi = idle_rows_field(*b, "busy_minus_awake_hi_ns");
    const bool r = lo > 0 || hi < 0;
    resolved = resolved && r;
    std::string part = fmt::format("{} cross_cpu {:.0f} ns per switch busy against {:.0f} ns awake", mechanism, idle_rows_field(*b, "real_time"),
                                   idle_rows_field(*b, "control_ns_per_switch"));
    if (std::isnan(lo) || std::isnan(hi)) {
      parts.push_back(part + ", the difference has no interval (too few pairs of batches)"), names.push_back(row);
      continue;
    }
    part += r ? fmt::format(", busy − awake {:+.0f} ns (95 % interval {:+.0f} to {:+.0f})", d, lo, hi)
              : fmt::format(", the difference not resolved (its interval {:+.0f} to {:+.0f} ns holds 0)", lo, hi);
    parts.push_back(part), names.push_back(row);
  }
  if (parts.empty()) return std::nullopt;
  std::string text = "a wake-up onto a CPU busy with a SCHED_IDLE spinner that the woken task preempts, paired batch against "
                     "batch with one onto an awake idle CPU: ";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; " : "") + parts[i];
  return Finding{text, names, resolved};
}

const bool idle_rows_registered = [] {
  mark_quick(idle_row_name("thread_futex", IdleCondition::awake));
  add_finding("idle_exit_cost", idle_exit_cost);
  add_finding("busy_against_awake", busy_against_awake);
  return true;
}();
}  // namespace

void add_idle_rows(const Mechanism& m) {
  if (std::find(std::begin(kIdleRowMechanisms), std::end(kIdleRowMechanisms), m.name) == std::end(kIdleRowMechanisms)) return;
  for (const IdleCondition condition : {IdleCondition::awake, IdleCondition::busy}) {
    const std::string bench = idle_row_name(std::string(m.name), condition);
    nlohmann::json params = {{"idle_state", to_string(condition)}, {"control", condition == IdleCondition::awake ? "idle" : "awake"}};
    EntryFields fields{"switch", std::string(m.name), std::string(to_string(m.kind)), std::string(m.task), "cross_cpu",
                       fmt::format("ns per one-way switch (a round trip is two), the CPUs {}", to_string(condition)), params};
    add_benchmark(bench, fields, [&m, condition, bench](benchmark::State& s) { BM_IdleRow(s, m, condition, bench); });
  }
}

}  // namespace bench_switch
