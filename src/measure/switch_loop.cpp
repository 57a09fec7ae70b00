// The switch experiment's loop (switch_loop.hpp). One iteration is one one-way switch; batches of
// R round trips (2R switches, about a millisecond each) are timed in wall time: kernel handoffs
// must be, because CPU time would cover only this thread, never the partner thread or child.
#include "measure/switch_loop.hpp"

#include <fmt/format.h>

#include <map>
#include <random>
#include <stdexcept>

#include "measure/clock.hpp"
#include "mechanisms/one_thread.hpp"
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

// One call of the loop: the handoff and what surrounds it, from its making to its figures.
class SwitchLoop {
 public:
  SwitchLoop(const SwitchCase& c, const Placement& placement, BatchState* state)
      : case_(c), state_(state), self_check_(partner_mxcsr_set(c.bare)), handoff_(make_handoff(placement)) {
    // With a control, the fiber's value changes between batches too, set by the fiber itself.
    fibers_ = c.mxcsr.default_control ? dynamic_cast<OneThreadHandoff*>(handoff_.get()) : nullptr;
    if (c.mxcsr.default_control && fibers_ == nullptr) throw std::logic_error("a default control needs a one-thread handoff");
  }

  void prepare(SwitchLoopResult& r);
  void run_batches(BatchBudget& budget, SwitchLoopResult& r);
  void finish(SwitchLoopResult& r);

 private:
  // The partner's MXCSR, set before anything is made (the bare loop, then the handoff).
  const MakeBareLoop& partner_mxcsr_set(const MakeBareLoop& bare) {
    fpenv_.set(case_.mxcsr.timed.partner);
    return bare;
  }
  std::unique_ptr<Handoff> make_handoff(const Placement& placement);
  void hold(const MxcsrSides& sides, bool at_default) {
    if (fibers_ != nullptr) fibers_->set_mxcsr(sides);
    fpenv_.set(sides.measuring);
    if (state_ != nullptr) state_->before_batch(*handoff_, at_default);
  }
  Batch timed_batch() {
    hold(case_.mxcsr.timed, false);
    return time_round_trips(*handoff_, rounds_);
  }
  Batch control_batch(SwitchLoopResult& r);

  const SwitchCase& case_;
  BatchState* state_;
  // A context copies its creator's MXCSR when it is made, and the harness's floating-point work
  // between batches raises sticky flags in the caller's: so the partner's value is set before the
  // handoff is made, the caller's before every batch (measure/fpenv.hpp), and the caller's own
  // value comes back on return. Kernel partners inherit the first at creation too.
  ScopedMxcsr fpenv_;
  // The bare loop beside it, if any (bench/self_check.hpp). Made before the handoff: the harness's
  // partner process is then the newest child, as without it, and is gone (the handoff destroyed
  // first, as the members are in reverse) before the bare loop closes its pipes, whose copies that
  // partner holds.
  SelfCheckPairs self_check_;
  std::unique_ptr<Handoff> handoff_;
  OneThreadHandoff* fibers_ = nullptr;
  std::unique_ptr<Handoff> control_;
  std::uint64_t rounds_ = 0;
};

std::unique_ptr<Handoff> SwitchLoop::make_handoff(const Placement& placement) {
  try {
    return case_.mechanism->make(placement, case_.work);
  } catch (const std::exception&) {
    if (!self_check_.release()) throw;  // its partner may hold the last task the machine allows
    return case_.mechanism->make(placement, case_.work);
  }
}

void SwitchLoop::prepare(SwitchLoopResult& r) {
  hold(case_.mxcsr.timed, false);
  rounds_ = batch_round_trips(*handoff_, case_.key);  // also the warm-up
  // The control, when there is one: a handoff of its own (granularity, footprint), or this same
  // one with both sides at the default MXCSR (fpenv) or in its default state (xstate). Its batches
  // are paired with the timed ones.
  control_ = case_.control ? case_.control() : nullptr;
  if (control_) time_round_trips(*control_, rounds_);  // its warm-up: first touches, page faults
  self_check_.warm_up(rounds_);
  r.own_control = fibers_ != nullptr || (state_ != nullptr && state_->is_own_control());
  r.paired = control_ || r.own_control;
  r.pairs.reserve(1024);  // no allocation inside the loop for the usual counts of batches
}

Batch SwitchLoop::control_batch(SwitchLoopResult& r) {
  Batch m;
  if (control_) {
    m = time_round_trips(*control_, rounds_);
  } else {
    hold(MxcsrSides{}, true);
    m = time_round_trips(*handoff_, rounds_);
  }
  r.on_control.switches += m.switches, r.on_control.wall_ns += m.wall_ns;
  return m;
}

// Not Threads(2): Google Benchmark would divide real time by 2 and run the loop twice; the partner
// is an explicit thread or child instead.
void SwitchLoop::run_batches(BatchBudget& budget, SwitchLoopResult& r) {
  const std::uint64_t window_start = now_ns();
  const TaskCounts before = read_task_counts(handoff_->tasks());
  // The control goes before or after the timed batch by a coin toss, not in strict turns: with
  // batches of 1 ms and a 4 ms tick, A B B A would put every tick on the same kind of batch.
  // Seeded anew for every call (each repetition): with the same tosses in every repetition, its
  // few pairs fell in the same phase of a periodic disturbance (a tick lost to another task), the
  // same batch of each pair lost it every time, and the repetitions agreed on a false difference.
  static unsigned calls = 0;
  std::minstd_rand coin(++calls);
  const auto timed = [this] { return timed_batch(); };
  while (budget.next_batch(2 * rounds_)) {
    const bool control_first = r.paired && (coin() & 1) != 0;
    Batch in_control;
    if (control_first) in_control = control_batch(r);
    const Batch b = self_check_.interleave(timed, rounds_);
    if (r.paired && !control_first) in_control = control_batch(r);
    budget.timed(b.wall_ns);
    r.total.switches += b.switches, r.total.wall_ns += b.wall_ns, r.total.tsc_ticks += b.tsc_ticks;
    if (r.paired) r.pairs.add(b.wall_ns, in_control.wall_ns, static_cast<double>(b.switches));
  }
  r.timed_loop_done = true;
  r.kernel = read_task_counts(handoff_->tasks()) - before;
  // CPU time over wall time of one window that encloses both readings: each task's CPU time is
  // read at a different moment, and with a thousand tasks the readings take milliseconds.
  r.window_ns = static_cast<double>(now_ns() - window_start);
  // The kernel's counts cover the control batches too when the control is this same handoff. (A
  // control of its own runs in one task: no switch.)
  r.kernel_switches = r.total.switches + (control_ ? 0 : r.on_control.switches);
  // The self-check's pairs, topped up beyond the kernel's counts when the repetition ended early
  // (a batch that lost the CPU for a few ticks can end it after one): its own batches, not timed.
  self_check_.top_up(timed, rounds_);
}

void SwitchLoop::finish(SwitchLoopResult& r) {
  // The probe and the counted pass run as a batch does, with the caller's MXCSR set again. The
  // probe reads what each side of a one-thread handoff really holds.
  hold(case_.mxcsr.timed, false);
  r.seen = probe_mxcsr(*handoff_);
  // perf counters are enabled only now, in a pass of its own: an enabled context-switch counter
  // adds work to every switch, so it must not run during the timed loop.
  r.counted = counted_pass(*handoff_, rounds_);
  if (state_ != nullptr) {
    const std::function<void()> hold_timed = [this] { hold(case_.mxcsr.timed, false); };
    const double ns = r.total.wall_ns / static_cast<double>(r.total.switches);
    state_->after_counted_pass(*handoff_, TimedLoop{rounds_, ns, hold_timed});
  }
  const Tally tally = handoff_->tally();
  if (tally.out_of_order != 0 || tally.measuring_received != tally.partner_received) {
    r.outcome = SwitchLoopResult::Outcome::broken;
    r.why = fmt::format("handoff broke: {} tokens out of order, {} sent, {} answered", tally.out_of_order,
                        tally.partner_received, tally.measuring_received);
    return;
  }
  if (case_.mechanism->carrier_alone) r.carrier_ns_per_switch = carrier_ns_per_switch(*case_.mechanism->carrier_alone(), rounds_);
  if (state_ != nullptr) state_->at_end(*handoff_);
  r.self_check = self_check_.figures();
}

}  // namespace

SwitchLoopResult run_switch_loop(const SwitchCase& c, const Placement& placement, BatchBudget& budget, BatchState* state) {
  SwitchLoopResult r;
  try {
    // Pinned for the whole call, restored on every return path (ScopedPin); the partner thread or
    // child pins itself in the Handoff constructor, before the timed loop.
    ScopedPin pin(placement.measuring);
    // Every wait on a partner gives up after its bound (wait_bound.hpp). One-thread mechanisms
    // wait on nobody, and a tick's signal frame could overflow a small fiber stack: none for them.
    std::optional<WaitBound> bound;
    if (c.where != PlacementKind::one_thread) bound.emplace();
    SwitchLoop loop(c, placement, state);
    loop.prepare(r);
    loop.run_batches(budget, r);
    loop.finish(r);
  } catch (const PinRefused& e) {
    r.outcome = SwitchLoopResult::Outcome::skipped, r.why = e.what();
  } catch (const PartnerLost& e) {
    // A failure, named; the Handoff's destructor has already reaped or joined the partner.
    r.outcome = SwitchLoopResult::Outcome::partner_lost, r.why = e.what();
  }
  return r;
}

std::uint64_t kept_batch_switches(const std::string& key) { return 2 * chosen_round_trips().try_emplace(key, 1).first->second; }

}  // namespace bench_switch
