// The target CPU's idle state as a controlled variable of the switch family (measure/idle_control.hpp).
// A handoff across CPUs wakes a task whose CPU waits in an idle state, and leaving it is part of
// the figure: on a KVM guest with haltpoll most of it. So two mechanisms' cross_cpu rows are also
// measured in each state, one row per state, the state held for the whole row:
//   switch/<mechanism>/cross_cpu/idle:idle    the machine as configured (the plain cross_cpu row's state)
//   switch/<mechanism>/cross_cpu/idle:awake   the CPUs held polling (PM QoS latency request 0)
//   switch/<mechanism>/cross_cpu/idle:busy    a SCHED_IDLE spinner on each CPU, which the woken task preempts
// Not paired batch against batch: a haltpoll CPU's choice of state follows its recent history, and
// with the request dropped between two batches it kept polling while the handoffs came on (seen on
// machine B: idle batches beside awake ones showed no halt at all, and cost what the awake ones did).
// Beside ksw, each row gives the idle entries per switch and each state's share of the CPUs' time,
// read before and after every batch; the differences between the states are the findings'.
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
#include "switch.hpp"

namespace bench_switch {
namespace {

// Two mechanisms (a thread's futex, a process's pipe) on the one cross-CPU placement of every
// machine: 4 rows of paired batches, about 2 s of the default run (docs/METHODOLOGY.md's budget).
constexpr const char* kIdleRowMechanisms[] = {"thread_futex", "process_pipe"};
// A handoff to a waiting partner on an idle CPU enters an idle state at least once per switch (the
// waiter's CPU, each way); far fewer says the CPUs were kept busy by other tasks.
constexpr double kIdleEntriesExpected = 0.5;

// Entries per switch (all, deep, each state) and each state's share of the CPUs' time in the batches.
void add_idle_counters(benchmark::UserCounters& c, const IdleBatchLedger::Bucket& b, double switches_per_batch, std::size_t cpus) {
  const double switches = switches_per_batch * b.batches;
  if (switches <= 0 || b.wall_ns <= 0) return;
  std::uint64_t all = 0;
  for (const auto& [state, n] : b.use.entries) {
    all += n;
    c["idle_entries_per_switch_" + idle_counter_name(state)] = static_cast<double>(n) / switches;
    c["idle_share_" + idle_counter_name(state)] = 1e3 * static_cast<double>(b.use.time_us.at(state)) / (b.wall_ns * static_cast<double>(cpus));
  }
  c["idle_entries_per_switch"] = static_cast<double>(all) / switches;
  c["deep_idle_entries_per_switch"] = static_cast<double>(b.use.deep_entries) / switches;
}

std::vector<int> idle_rows_cpus(const Placement& p) {
  std::vector<int> out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &p.measuring) || CPU_ISSET(cpu, &p.partner)) out.push_back(cpu);
  return out;
}

// The ledger read where each batch begins (calibration, timed batches, probe), beside the switch loop.
class IdleRowsLedger final : public BatchState {
 public:
  explicit IdleRowsLedger(IdleBatchLedger& ledger) : ledger_(ledger) {}
  void before_batch(Handoff&, bool) override { ledger_.at_batch_start(false); }

 private:
  IdleBatchLedger& ledger_;
};

void BM_IdleRow(benchmark::State& state, const Mechanism& m, IdleCondition condition, const std::string& key) {
  std::string why_not;
  const auto placement = resolve_placement(PlacementKind::cross_cpu, why_not);
  if (!placement) return skip(state, why_not);
  const std::vector<int> cpus = idle_rows_cpus(*placement);
  const IdleFacts facts = read_idle_facts("", cpus);
  const std::string device = latency_device("");
  LatencyRequest request(device);
  std::unique_ptr<IdleSpinners> spinners;
  if (condition == IdleCondition::awake) {
    if (const std::string why = awake_unavailable(facts.absent, device, try_latency_device(device)); !why.empty()) return skip(state, why);
    request.hold(0);
  }
  try {
    if (condition == IdleCondition::busy) spinners = std::make_unique<IdleSpinners>(cpus), spinners->spin();
  } catch (const PinRefused& e) {
    return skip(state, e.what());
  }
  IdleBatchLedger ledger("", cpus);
  IdleRowsLedger per_batch(ledger);
  BM_Switch(state, SwitchCase{&m, PlacementKind::cross_cpu, Work{}, key}, &per_batch);
  request.release();
  if (spinners) spinners->pause();
  if (state.error_occurred() || ledger.timed().batches == 0) return;

  auto& c = state.counters;
  add_idle_counters(c, ledger.timed(), c["switches"] / ledger.timed().batches, ledger.cpus());
  if (condition == IdleCondition::awake)
    if (const std::string failed = awake_not_held(c["deep_idle_entries_per_switch"]); !failed.empty()) fail_mid_loop(state, 0, key, failed, true);
  // About 1: every spinner kept spinning through the row.
  if (spinners) c["spinner_starts_per_row"] = static_cast<double>(spinners->laps()) / static_cast<double>(ledger.cpus());
}

// The row's name for a mechanism in a state: switch/thread_futex/cross_cpu/idle:awake.
std::string idle_row_name(const std::string& mechanism, IdleCondition condition) {
  return fmt::format("switch/{}/cross_cpu/idle:{}", mechanism, to_string(condition));
}

// A counter of a benchmark's median entry, NaN where absent or null.
double idle_rows_median(const nlohmann::json& doc, const std::string& row, const char* name) {
  const nlohmann::json* a = aggregate_of(doc, row, "median");
  const auto it = a == nullptr ? nlohmann::json::const_iterator() : a->find(name);
  return a != nullptr && it != a->end() && it->is_number() ? it->get<double>() : NAN;
}

// One state's row against another's, both measured in this run: the difference of the medians over
// the repetitions, resolved by the rule every finding's ratio follows (ratio_of: beyond twice the
// two spreads in quadrature), with the idle entries per switch that prove each state.
struct StatePair {
  std::string text;
  bool resolved = false;
};
std::optional<StatePair> compare_states(const nlohmann::json& doc, const char* mechanism, IdleCondition a, IdleCondition b) {
  const std::string row_a = idle_row_name(mechanism, a), row_b = idle_row_name(mechanism, b);
  const auto fa = figure_of(doc, row_a), fb = figure_of(doc, row_b);
  if (!fa || !fb) return std::nullopt;
  const FigureRatio r = ratio_of(*fa, *fb);
  const double d = fa->median - fb->median;
  std::string text = fmt::format("{} cross_cpu {:.0f} ns per switch {} against {:.0f} ns {} (deep idle entries per switch {:.2f} and {:.3f})",
                                 mechanism, fa->median, to_string(a), fb->median, to_string(b),
                                 idle_rows_median(doc, row_a, "deep_idle_entries_per_switch"), idle_rows_median(doc, row_b, "deep_idle_entries_per_switch"));
  if (!r.resolved) return StatePair{text + fmt::format(": the difference not resolved ({:+.0f} ns, within twice its spread ± {:.0f} %)", d, 100 * r.spread), false};
  return StatePair{text + fmt::format(": {} − {} = {:+.0f} ns (± {:.0f} ns, the two rows' stddevs in quadrature), {:.0f} % of the {} figure",
                                      to_string(a), to_string(b), d, std::hypot(fa->stddev, fb->stddev), 100 * d / fa->median, to_string(a)), true};
}

std::optional<Finding> states_finding(const nlohmann::json& doc, IdleCondition a, IdleCondition b, const std::string& opening) {
  std::vector<std::string> parts, names;
  bool resolved = true;
  for (const char* mechanism : kIdleRowMechanisms) {
    const auto pair = compare_states(doc, mechanism, a, b);
    if (!pair) continue;
    std::string part = pair->text;
    // A CPU that other tasks keep busy never idles: then there was no exit to measure.
    const double idle_entries = idle_rows_median(doc, idle_row_name(mechanism, IdleCondition::idle), "idle_entries_per_switch");
    const bool exits = a != IdleCondition::idle || idle_entries >= kIdleEntriesExpected;
    if (!exits) part += fmt::format("; no idle exit to measure: the idle row's CPUs entered idle states {:.2f} times per switch (other tasks kept them busy)", idle_entries);
    resolved = resolved && pair->resolved && exits;
    parts.push_back(part), names.push_back(idle_row_name(mechanism, a)), names.push_back(idle_row_name(mechanism, b));
  }
  if (parts.empty()) return std::nullopt;
  std::string text = opening;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; " : "") + parts[i];
  return Finding{text, names, resolved};
}

// The idle exit per mechanism: the idle row against the awake one, and its share of the idle figure.
std::optional<Finding> idle_exit_cost(const nlohmann::json& doc) {
  return states_finding(doc, IdleCondition::idle, IdleCondition::awake,
                        "leaving the idle state the machine is configured with, against the CPUs held polling (PM QoS latency request 0): ");
}

// A wake-up onto a CPU that runs a SCHED_IDLE task against one onto an awake idle CPU.
std::optional<Finding> busy_against_awake(const nlohmann::json& doc) {
  return states_finding(doc, IdleCondition::busy, IdleCondition::awake,
                        "a wake-up onto a CPU busy with a SCHED_IDLE spinner that the woken task preempts, against one onto an awake idle CPU: ");
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
  for (const IdleCondition condition : {IdleCondition::idle, IdleCondition::awake, IdleCondition::busy}) {
    const std::string bench = idle_row_name(std::string(m.name), condition);
    nlohmann::json params = {{"idle_state", to_string(condition)}};
    EntryFields fields{"switch", std::string(m.name), std::string(to_string(m.kind)), std::string(to_string(m.task)), "cross_cpu",
                       fmt::format("ns per one-way switch (a round trip is two), the CPUs {}", to_string(condition)), params};
    add_benchmark(bench, fields, [&m, condition, bench](benchmark::State& s) { BM_IdleRow(s, m, condition, bench); });
  }
}

}  // namespace bench_switch
