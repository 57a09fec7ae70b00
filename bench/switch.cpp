// Family `switch`: what one handoff between two tasks costs, for every mechanism and placement.
//
// One iteration is one one-way switch. The loop (measure/switch_loop.hpp) runs batches of R round
// trips (2R switches, about a millisecond each) and reports each batch's wall time: kernel handoffs
// must be timed in real time, because CPU time would cover only this thread, never the partner
// thread or child. This file is its Google Benchmark glue and the family's registration.
#include "switch.hpp"

#include <fmt/format.h>

#include <optional>

#include "idle_rows.hpp"
#include "latency_samples.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "mechanisms.hpp"
#include "registry.hpp"
#include "self_check.hpp"

namespace bench_switch {
namespace {

// Google Benchmark's State as the loop's budget: it decides how many batches run, and takes each
// timed batch's wall time (manual time).
class StateBudget final : public BatchBudget {
 public:
  explicit StateBudget(benchmark::State& state) : state_(state) {}
  bool next_batch(std::uint64_t switches) override {
    return state_.KeepRunningBatch(static_cast<benchmark::IterationCount>(switches));
  }
  void timed(double wall_ns) override { state_.SetIterationTime(wall_ns * 1e-9); }

 private:
  benchmark::State& state_;
};

// The batch the repetitions of `key` run in, as Google Benchmark counts iterations.
benchmark::IterationCount kept_batch(const std::string& key) {
  return static_cast<benchmark::IterationCount>(kept_batch_switches(key));
}

// The paired control's counters, and those of a control that is this same handoff.
void add_control_counters(const SwitchLoopResult& r, benchmark::UserCounters& c) {
  if (r.paired) {
    const MedianInterval ratio = r.pairs.ratio(), extra = r.pairs.extra_ns_per_switch();
    c["control_ns_per_switch"] = r.pairs.control_ns_per_switch();
    c["control_ratio"] = ratio.median, c["control_ratio_lo"] = ratio.lo, c["control_ratio_hi"] = ratio.hi;
    c["over_control_ns"] = extra.median, c["over_control_lo_ns"] = extra.lo, c["over_control_hi_ns"] = extra.hi;
    c["control_pairs"] = static_cast<double>(r.pairs.pairs());
  }
  if (r.own_control) {
    const double at_default = r.on_control.wall_ns / static_cast<double>(r.on_control.switches);
    c["default_ns_per_switch"] = at_default;
    c["ns_over_default"] = r.total.wall_ns / static_cast<double>(r.total.switches) - at_default;
  }
}

// The switch family's counters from the loop's result.
void add_switch_counters(const SwitchLoopResult& r, benchmark::UserCounters& c) {
  const double n = static_cast<double>(r.total.switches);
  // The kernel's counts cover the control batches too when the control is this same handoff: per
  // switch, they are divided by all of them.
  const double in_window = static_cast<double>(r.kernel_switches);
  c["ns_per_switch"] = r.total.wall_ns / n;
  if (counter_constant_rate()) c[std::string(counter_name()) + "_ticks_per_switch"] = r.total.tsc_ticks / n;
  c["voluntary_switches_per_switch"] = static_cast<double>(r.kernel.voluntary) / in_window;
  c["involuntary_switches_per_switch"] = static_cast<double>(r.kernel.involuntary) / in_window;
  // Voluntary plus involuntary: a wake-up that preempts the waker is counted as involuntary.
  c["kernel_switches_per_switch"] = static_cast<double>(r.kernel.voluntary + r.kernel.involuntary) / in_window;
  c["cpu_utilisation"] = static_cast<double>(r.kernel.cpu_ns) / r.window_ns;
  c["switches"] = n;
  c["ns_per_switch_counted"] = r.counted.batch.wall_ns / static_cast<double>(r.counted.batch.switches);
  if (r.counted.perf) {
    const double cn = static_cast<double>(r.counted.batch.switches);
    c["perf_switches_per_switch"] = static_cast<double>(r.counted.perf->switches) / cn;
    c["migrations_per_switch"] = static_cast<double>(r.counted.perf->migrations) / cn;
  }
  add_control_counters(r, c);
  if (r.seen) {
    c[fp_control_field("measuring", "_seen")] = r.seen->measuring;
    c[fp_control_field("partner", "_seen")] = r.seen->partner;
  }
  if (r.carrier_ns_per_switch) {
    c["carrier_ns_per_switch"] = *r.carrier_ns_per_switch;
    c["ns_per_switch_net"] = r.total.wall_ns / n - *r.carrier_ns_per_switch;
  }
  add_self_check_counters(r.self_check, c);
}

}  // namespace

void BM_Switch(benchmark::State& state, const SwitchCase& sc, BatchState* batch_state) {
  std::string why_not;
  const auto placement = resolve_placement(sc.where, why_not);
  if (!placement) return skip(state, why_not);
  if (const std::string* earlier = earlier_failure(sc.key))
    return fail_mid_loop(state, kept_batch(sc.key), sc.key, "an earlier repetition failed: " + *earlier);
  StateBudget budget(state);
  const SwitchLoopResult r = run_switch_loop(sc, *placement, budget, batch_state);
  switch (r.outcome) {
    case SwitchLoopResult::Outcome::skipped:
      return skip(state, r.why);
    case SwitchLoopResult::Outcome::partner_lost:  // a failure, named; the partner already reaped or joined
      return fail_mid_loop(state, kept_batch(sc.key), sc.key, r.why, r.timed_loop_done);
    case SwitchLoopResult::Outcome::broken:
      return state.SkipWithError(r.why.c_str());
    case SwitchLoopResult::Outcome::measured:
      break;
  }
  add_switch_counters(r, state.counters);
}

void BM_SwitchSampled(benchmark::State& state, const SwitchCase& c) {
  LatencySampling sampling(state);
  BM_Switch(state, c, &sampling);
}

namespace {
// The quick set's representatives: each placement of one thread carrier (those this machine lacks
// are skipped at once), one process carrier,
// the cross-CPU floor, each kind of user-space switch, and the baseline.
constexpr const char* kSwitchQuick[] = {"switch/thread_futex/same_cpu", "switch/thread_futex/smt_sibling", "switch/thread_futex/cross_cpu",
                                        "switch/thread_futex/cross_llc", "switch/thread_futex/cross_package", "switch/thread_futex/cross_numa",
                                        "switch/thread_futex/unpinned",
                                        "switch/process_pipe/same_cpu", "switch/thread_spin/cross_cpu", "switch/fcontext_fiber/one_thread",
                                        "switch/coroutine/one_thread", "switch/asm_switch/one_thread", "switch/indirect_call/one_thread"};

// The comparison the suite is for: a kernel handoff against a fiber switch, both on one CPU.
std::optional<Finding> kernel_against_fiber(const nlohmann::json& doc) {
  const std::string kernel = "switch/thread_futex/same_cpu", fiber = "switch/fcontext_fiber/one_thread";
  const auto k = figure_of(doc, kernel), f = figure_of(doc, fiber);
  if (!k || !f) return std::nullopt;
  const FigureRatio r = ratio_of(*k, *f);
  std::string text = fmt::format("a kernel thread handoff on one CPU ({:.0f} ns ± {:.1f} %) costs {:.0f}× (± {:.1f} %) a "
                                 "Boost.Context fiber switch ({:.1f} ns ± {:.1f} %)",
                                 k->median, 100 * k->relative(), r.value, 100 * r.spread, f->median, 100 * f->relative());
  if (!r.resolved) text += " — not resolved: the two are within their spread of each other";
  return Finding{text, {kernel, fiber}, r.resolved};
}

// Waking a task on another CPU against on the same one; on a VM the difference holds the host.
// Taken with the other CPU awake (bench/idle_rows.cpp) where that row was measured: with it idle,
// the ratio mostly measures the CPU's exit from its idle state, which the futex does not cause.
std::optional<Finding> cross_against_same_cpu(const nlohmann::json& doc) {
  const std::string awake = "switch/thread_futex/cross_cpu/idle:awake", same = "switch/thread_futex/same_cpu";
  const bool on_awake = figure_of(doc, awake).has_value();
  const std::string cross = on_awake ? awake : "switch/thread_futex/cross_cpu";
  const auto c = figure_of(doc, cross), s = figure_of(doc, same);
  if (!c || !s) return std::nullopt;
  const FigureRatio r = ratio_of(*c, *s);
  std::string text = fmt::format("a futex wake-up on another CPU {} ({:.0f} ns ± {:.1f} %) costs {:.1f}× (± {:.1f} %) one on "
                                 "the same CPU ({:.0f} ns)",
                                 on_awake ? "kept awake (polling only, PM QoS latency request 0)"
                                          : "idle as configured (its exit from idle included; the awake row was not measured)",
                                 c->median, 100 * c->relative(), r.value, 100 * r.spread, s->median);
  const auto& virt = doc["context"]["bench_switch"].value("virtualization", nlohmann::json::object());
  // Kept awake, the vCPU polls instead of halting: no exit through the host is left to mention.
  if (!on_awake && virt.value("hypervisor", nlohmann::json()) == true)  // null where the architecture cannot tell
    text += fmt::format("; this machine is a guest of {} (CPUID): an idle vCPU halts and the host must wake it, which "
                        "the cross-CPU figure includes and the futex does not cause", virt.value("vendor", "a hypervisor"));
  if (!r.resolved) text += " — not resolved: the two are within their spread of each other";
  return Finding{text, {cross, same}, r.resolved};
}

const bool switch_registered = [] {
  for (const char* name : kSwitchQuick) mark_quick(name);
  add_finding("kernel_against_fiber", kernel_against_fiber);
  add_finding("cross_against_same_cpu", cross_against_same_cpu);
  describe_family("switch", {"ns per one-way switch; ksw = kernel context switches per switch (1 for a real kernel switch, 0 for a fiber)",
                             {{"kernel_switches_per_switch", "ksw"}, {"carrier_ns_per_switch", "carrier ns"}, {"ns_per_switch_net", "net ns"},
                              // the idle rows' proof and difference (bench/idle_rows.cpp): absent elsewhere
                              {"idle_entries_per_switch", "idle/sw"}, {"deep_idle_entries_per_switch", "deep/sw"}}});
  // Grouped by placement, nearest first (the console, the JSON and the charts keep this order), and
  // within a placement in the order of the mechanism list.
  std::vector<PlacementKind> order = preemptive_placements();
  order.push_back(PlacementKind::one_thread);
  for (const PlacementKind placement : order) {
    for (const Mechanism& m : mechanisms()) {
      for (const auto& [where, why_not] : m.placements) {
        if (where != placement) continue;
        EntryFields fields{"switch", std::string(m.name), std::string(to_string(m.kind)), std::string(to_string(m.task)),
                           std::string(to_string(where)), "ns per one-way switch (a round trip is two)", {}};
        // A partner on another CPU (or wherever the scheduler puts it) is woken from whatever idle
        // state the machine lets that CPU enter: these rows are the `idle` state (bench/idle_rows.cpp).
        if (where != PlacementKind::same_cpu && where != PlacementKind::one_thread)
          fields.params["idle_state"] = "idle";
        const std::string name = fmt::format("switch/{}/{}", m.name, to_string(where));
        if (why_not.empty()) {
          SwitchCase c{&m, where, Work{}, name};
          c.bare = bare_loop_for(name);
          add_benchmark(name, fields, [c](benchmark::State& s) { BM_SwitchSampled(s, c); });
          if (where == PlacementKind::cross_cpu) add_idle_rows(m);  // the same row with the CPUs awake, busy
        } else {
          add_benchmark(name, fields, [reason = std::string(why_not)](benchmark::State& s) { skip(s, reason); });
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
