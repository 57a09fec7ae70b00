// The switch loop (measure/switch_loop.hpp) driven without Google Benchmark: the budget's batches
// are the timed ones, each paired with its control; a family's BatchState is called where each
// batch begins, with the control batches marked, and once after the counted pass and at the end;
// the kernel's counts cover this same handoff's control batches too. Counts only, never timings:
// a one-thread call (indirect_call), a few 1 ms batches.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "measure/affinity.hpp"
#include "measure/switch_loop.hpp"
#include "mechanisms.hpp"

namespace bench_switch {
namespace {

// Lets `batches` batches run and keeps what each timed one reported.
class SwitchLoopTestBudget final : public BatchBudget {
 public:
  explicit SwitchLoopTestBudget(int batches) : left_(batches) {}
  bool next_batch(std::uint64_t switches) override {
    asked.push_back(switches);
    return left_-- > 0;
  }
  void timed(double wall_ns) override { timed_ns.push_back(wall_ns); }
  std::vector<std::uint64_t> asked;
  std::vector<double> timed_ns;

 private:
  int left_;
};

// A control that is this same handoff, recording where each call came.
class SwitchLoopTestState final : public BatchState {
 public:
  bool is_own_control() const override { return true; }
  void before_batch(Handoff&, bool at_default) override { (at_default ? control : timed) += 1; }
  void after_counted_pass(Handoff&, const TimedLoop& loop) override {
    ++after_counted;
    round_trips = loop.round_trips;
    const int before = timed;
    loop.hold();  // sets the timed batches' state again
    held_timed = timed == before + 1;
  }
  void at_end(Handoff&) override { ++ends; }
  int timed = 0, control = 0, after_counted = 0, ends = 0;
  std::uint64_t round_trips = 0;
  bool held_timed = false;
};

SwitchCase switch_loop_test_case(const std::string& key) {
  const Mechanism* call = find_mechanism("indirect_call");
  EXPECT_NE(call, nullptr);
  return SwitchCase{call, PlacementKind::one_thread, Work{}, key};
}

Placement switch_loop_test_placement() {
  std::string why_not;
  const auto p = resolve_placement(PlacementKind::one_thread, why_not);
  EXPECT_TRUE(p.has_value()) << why_not;
  return *p;
}

TEST(SwitchLoop, TimesTheBudgetsBatchesEachPairedWithThisSameHandoffsControl) {
  const SwitchCase c = switch_loop_test_case("switch_loop_test/own_control");
  SwitchLoopTestBudget budget(3);
  SwitchLoopTestState state;
  const SwitchLoopResult r = run_switch_loop(c, switch_loop_test_placement(), budget, &state);
  ASSERT_EQ(r.outcome, SwitchLoopResult::Outcome::measured) << r.why;
  const std::uint64_t batch = kept_batch_switches(c.key);
  EXPECT_EQ(batch, 2 * state.round_trips);
  EXPECT_EQ(budget.asked, std::vector<std::uint64_t>(4, batch));  // three batches, then the stop
  EXPECT_EQ(budget.timed_ns.size(), 3u);
  EXPECT_TRUE(r.timed_loop_done && r.paired && r.own_control);
  EXPECT_EQ(r.total.switches, 3 * batch);
  EXPECT_EQ(r.on_control.switches, 3 * batch);
  EXPECT_EQ(r.pairs.pairs(), 3u);
  EXPECT_EQ(r.kernel_switches, 6 * batch);  // the control batches ran in this same handoff
  // The calibration, three timed batches, the probe, and the hold after the counted pass.
  EXPECT_EQ(state.timed, 6);
  EXPECT_EQ(state.control, 3);
  EXPECT_TRUE(state.held_timed);
  EXPECT_EQ(state.after_counted, 1);
  EXPECT_EQ(state.ends, 1);
  EXPECT_EQ(r.counted.batch.switches, batch);
}

TEST(SwitchLoop, WithoutAControlNothingIsPairedAndTheRepetitionsKeepTheirBatch) {
  const SwitchCase c = switch_loop_test_case("switch_loop_test/plain");
  SwitchLoopTestBudget first(2), second(1);
  const SwitchLoopResult a = run_switch_loop(c, switch_loop_test_placement(), first);
  const SwitchLoopResult b = run_switch_loop(c, switch_loop_test_placement(), second);
  ASSERT_EQ(a.outcome, SwitchLoopResult::Outcome::measured) << a.why;
  ASSERT_EQ(b.outcome, SwitchLoopResult::Outcome::measured) << b.why;
  EXPECT_FALSE(a.paired || a.own_control);
  EXPECT_EQ(a.pairs.pairs(), 0u);
  EXPECT_EQ(a.on_control.switches, 0u);
  EXPECT_EQ(a.kernel_switches, a.total.switches);
  EXPECT_EQ(second.asked.front(), first.asked.front());  // chosen on the first call, then kept
  EXPECT_EQ(b.total.switches, kept_batch_switches(c.key));
}

}  // namespace
}  // namespace bench_switch
