// Family `switch`: what one handoff between two tasks costs, for every mechanism and placement.
//
// One iteration is one one-way switch. The loop runs batches of R round trips (2R switches, about
// a millisecond each) and reports each batch's wall time: kernel handoffs must be timed in real
// time, because CPU time would cover only this thread, never the partner thread or child.
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>

#include "latency_samples.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/handoff_timing.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/paired_batches.hpp"
#include "mechanisms.hpp"
#include "idle_rows.hpp"
#include "mechanisms/one_thread.hpp"
#include "registry.hpp"
#include "self_check.hpp"
#include "switch_latency.hpp"
#include "wait_bound.hpp"

namespace bench_switch {
namespace {

constexpr double kSwitchBatchNs = 1e6;

// Google Benchmark requires every repetition of a benchmark to run the same number of iterations,
// and KeepRunningBatch counts whole batches: so the batch size is calibrated on the first call
// (Google Benchmark calls the function again for each sizing run and repetition) and kept.
std::map<std::string, std::uint64_t>& chosen_round_trips() {
  static std::map<std::string, std::uint64_t> chosen;
  return chosen;
}
std::uint64_t batch_round_trips(Handoff& handoff, const std::string& key) {
  auto& chosen = chosen_round_trips();
  const auto it = chosen.find(key);
  if (it == chosen.end()) return chosen[key] = calibrate_round_trips(handoff, kSwitchBatchNs);
  time_round_trips(handoff, it->second);  // the warm-up that calibrating gave the first call
  return it->second;
}
// The batch the repetitions of `key` run in; one round trip when none was chosen yet (the first
// call failed before calibrating), and then kept for the later ones, so that all report alike.
benchmark::IterationCount kept_batch(const std::string& key) {
  return static_cast<benchmark::IterationCount>(2 * chosen_round_trips().try_emplace(key, 1).first->second);
}

}  // namespace

void BM_Switch(benchmark::State& state, const SwitchCase& sc) {
  const Mechanism& mechanism = *sc.mechanism;
  std::string why_not;
  const auto placement = resolve_placement(sc.where, why_not);
  if (!placement) return skip(state, why_not);
  if (const std::string* earlier = earlier_failure(sc.key))
    return fail_mid_loop(state, kept_batch(sc.key), sc.key, "an earlier repetition failed: " + *earlier);
  bool timed_loop_done = false;  // a partner lost after it (in the counted pass) must not re-enter it
  try {
    // Pinned for the whole call, restored on every return path (ScopedPin); the partner thread or
    // child pins itself in the Handoff constructor, before the timed loop.
    ScopedPin pin(placement->measuring);
    // Every wait on a partner gives up after its bound (wait_bound.hpp). One-thread mechanisms
    // wait on nobody, and a tick's signal frame could overflow a small fiber stack: none for them.
    std::optional<WaitBound> bound;
    if (sc.where != PlacementKind::one_thread) bound.emplace();
    // A context copies its creator's MXCSR when it is made, and the harness's floating-point work
    // between batches raises sticky flags in the caller's: so the partner's value is set before the
    // handoff is made, the caller's before every batch (measure/fpenv.hpp), and the caller's own
    // value comes back on return. Kernel partners inherit the first at creation too.
    ScopedMxcsr fpenv;
    fpenv.set(sc.mxcsr.partner);
    // The bare loop beside it, if any (self_check.hpp). Made before the handoff: the harness's
    // partner process is then the newest child, as without it, and is gone (the handoff destroyed)
    // before the bare loop closes its pipes, whose copies that partner holds.
    SelfCheckPairs self_check(sc.bare);
    const auto handoff = [&] {
      try {
        return mechanism.make(*placement, sc.work);
      } catch (const std::exception&) {
        if (!self_check.release()) throw;  // its partner may hold the last task the machine allows
        return mechanism.make(*placement, sc.work);
      }
    }();
    // With a control, the fiber's value changes between batches too, set by the fiber itself.
    OneThreadHandoff* const fibers = sc.default_control ? dynamic_cast<OneThreadHandoff*>(handoff.get()) : nullptr;
    if (sc.default_control && fibers == nullptr) throw std::logic_error("a default control needs a one-thread handoff");
    const auto hold = [&](const MxcsrSides& sides, bool at_default) {
      if (fibers != nullptr) fibers->set_mxcsr(sides);
      fpenv.set(sides.measuring);
      if (sc.hold_default) sc.hold_default(*handoff, at_default);
      if (sc.at_batch) sc.at_batch();
    };
    hold(sc.mxcsr, false);
    const std::uint64_t rounds = batch_round_trips(*handoff, sc.key);  // also the warm-up

    // The control, when there is one: a handoff of its own (granularity, footprint), or this same
    // one with both sides at the default MXCSR (fpenv). Its batches are paired with the timed ones.
    const auto control = sc.control ? sc.control() : nullptr;
    if (control) time_round_trips(*control, rounds);  // its warm-up: first touches, page faults
    self_check.warm_up(rounds);
    const bool same_handoff_control = fibers != nullptr || sc.hold_default;
    const bool paired = control || same_handoff_control;
    PairedBatches pairs;
    pairs.reserve(1024);  // no allocation inside the loop for the usual counts of batches

    // Not Threads(2): Google Benchmark would divide real time by 2 and run the loop twice; the
    // partner is an explicit thread or child instead.
    const std::uint64_t window_start = now_ns();
    const TaskCounts before = read_task_counts(handoff->tasks());
    Batch total, on_control;
    const auto control_batch = [&] {
      Batch m;
      if (control) {
        m = time_round_trips(*control, rounds);
      } else {
        hold(MxcsrSides{}, true);
        m = time_round_trips(*handoff, rounds);
      }
      on_control.switches += m.switches, on_control.wall_ns += m.wall_ns;
      return m;
    };
    // The control goes before or after the timed batch by a coin toss, not in strict turns: with
    // batches of 1 ms and a 4 ms tick, A B B A would put every tick on the same kind of batch.
    // Seeded anew for every call (each repetition): with the same tosses in every repetition, its
    // few pairs fell in the same phase of a periodic disturbance (a tick lost to another task), the
    // same batch of each pair lost it every time, and the repetitions agreed on a false difference.
    static unsigned calls = 0;
    std::minstd_rand coin(++calls);
    const auto timed_batch = [&] {
      hold(sc.mxcsr, false);
      return time_round_trips(*handoff, rounds);
    };
    while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(2 * rounds))) {
      const bool control_first = paired && (coin() & 1) != 0;
      Batch in_control;
      if (control_first) in_control = control_batch();
      const Batch b = self_check.interleave(timed_batch, rounds);
      if (paired && !control_first) in_control = control_batch();
      state.SetIterationTime(b.wall_ns * 1e-9);
      total.switches += b.switches, total.wall_ns += b.wall_ns, total.tsc_ticks += b.tsc_ticks;
      if (paired) pairs.add(b.wall_ns, in_control.wall_ns, static_cast<double>(b.switches));
    }
    timed_loop_done = true;
    const TaskCounts kernel = read_task_counts(handoff->tasks()) - before;
    // CPU time over wall time of one window that encloses both readings: each task's CPU time is
    // read at a different moment, and with a thousand tasks the readings take milliseconds.
    const double window_ns = static_cast<double>(now_ns() - window_start);
    // The self-check's pairs, topped up beyond the kernel's counts when the repetition ended early
    // (a batch that lost the CPU for a few ticks can end it after one): its own batches, not timed.
    self_check.top_up(timed_batch, rounds);
    // The probe and the counted pass run as a batch does, with the caller's MXCSR set again. The
    // probe reads what each side of a one-thread handoff really holds.
    hold(sc.mxcsr, false);
    const std::optional<MxcsrSides> seen = probe_mxcsr(*handoff);
    // perf counters are enabled only now, in a pass of its own: an enabled context-switch counter
    // adds work to every switch, so it must not run during the timed loop.
    const CountedPass counted = counted_pass(*handoff, rounds);
    if (sc.sample_latency)
      sample_latency(state, *handoff, rounds, total.wall_ns / static_cast<double>(total.switches), [&] { hold(sc.mxcsr, false); });

    const Tally tally = handoff->tally();
    if (tally.out_of_order != 0 || tally.measuring_received != tally.partner_received)
      return state.SkipWithError(fmt::format("handoff broke: {} tokens out of order, {} sent, {} answered",
                                             tally.out_of_order, tally.partner_received, tally.measuring_received).c_str());

    const double n = static_cast<double>(total.switches);
    // The kernel's counts cover the control batches too when the control is this same handoff: per
    // switch, they are divided by all of them. (A control of its own runs in one task: no switch.)
    const double in_window = static_cast<double>(total.switches + (control ? 0 : on_control.switches));
    auto& c = state.counters;
    c["ns_per_switch"] = total.wall_ns / n;
    if (counter_constant_rate()) c[std::string(counter_name()) + "_ticks_per_switch"] = total.tsc_ticks / n;
    c["voluntary_switches_per_switch"] = static_cast<double>(kernel.voluntary) / in_window;
    c["involuntary_switches_per_switch"] = static_cast<double>(kernel.involuntary) / in_window;
    // Voluntary plus involuntary: a wake-up that preempts the waker is counted as involuntary.
    c["kernel_switches_per_switch"] = static_cast<double>(kernel.voluntary + kernel.involuntary) / in_window;
    c["cpu_utilisation"] = static_cast<double>(kernel.cpu_ns) / window_ns;
    c["switches"] = n;
    c["ns_per_switch_counted"] = counted.batch.wall_ns / static_cast<double>(counted.batch.switches);
    if (counted.perf) {
      const double cn = static_cast<double>(counted.batch.switches);
      c["perf_switches_per_switch"] = static_cast<double>(counted.perf->switches) / cn;
      c["migrations_per_switch"] = static_cast<double>(counted.perf->migrations) / cn;
    }
    if (paired) {
      const MedianInterval ratio = pairs.ratio(), extra = pairs.extra_ns_per_switch();
      c["control_ns_per_switch"] = pairs.control_ns_per_switch();
      c["control_ratio"] = ratio.median, c["control_ratio_lo"] = ratio.lo, c["control_ratio_hi"] = ratio.hi;
      c["over_control_ns"] = extra.median, c["over_control_lo_ns"] = extra.lo, c["over_control_hi_ns"] = extra.hi;
      c["control_pairs"] = static_cast<double>(pairs.pairs());
    }
    if (same_handoff_control) {
      const double at_default = on_control.wall_ns / static_cast<double>(on_control.switches);
      c["default_ns_per_switch"] = at_default;
      c["ns_over_default"] = total.wall_ns / n - at_default;
    }
    if (seen) {
      c[fp_control_field("measuring", "_seen")] = seen->measuring;
      c[fp_control_field("partner", "_seen")] = seen->partner;
    }
    if (mechanism.carrier_alone) {
      const auto alone = mechanism.carrier_alone();
      const double carrier = carrier_ns_per_switch(*alone, rounds);
      c["carrier_ns_per_switch"] = carrier;
      c["ns_per_switch_net"] = total.wall_ns / n - carrier;
    }
    if (sc.add_counters) sc.add_counters(*handoff, c);
    add_self_check_counters(self_check, c);
  } catch (const PinRefused& e) {
    skip(state, e.what());
  } catch (const PartnerLost& e) {
    // A failure, named; the Handoff's destructor has already reaped or joined the partner.
    fail_mid_loop(state, kept_batch(sc.key), sc.key, e.what(), timed_loop_done);
  }
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

const bool switch_latency_registered = [] {
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
          c.sample_latency = true;
          c.bare = bare_loop_for(name);
          add_benchmark(name, fields, [c](benchmark::State& s) { BM_Switch(s, c); });
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
