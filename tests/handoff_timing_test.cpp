// Timing a handoff (measure/handoff_timing.hpp): a batch counts two switches per round trip, and a
// counted pass the switches of both tasks.
#include <gtest/gtest.h>

#include <string>

#include "measure/affinity.hpp"
#include "measure/handoff_timing.hpp"
#include "mechanisms.hpp"

namespace bench_switch {
namespace {

TEST(HandoffTiming, ABatchCountsTwoSwitchesPerRoundTrip) {
  const auto handoff = find_mechanism("indirect_call")->make(Placement{}, Work{});
  EXPECT_EQ(time_round_trips(*handoff, 1234).switches, 2468u);
  EXPECT_GE(calibrate_round_trips(*handoff, 1e5), 1u);
}

TEST(HandoffTiming, ACountedPassCountsTheSwitchesOfBothTasks) {
  std::string why_not;
  const auto p = *resolve_placement(PlacementKind::same_cpu, why_not);
  ScopedPin pin(p.measuring);
  const auto handoff = find_mechanism("thread_futex")->make(p, Work{});
  const CountedPass pass = counted_pass(*handoff, 1000);
  EXPECT_EQ(pass.batch.switches, 2000u);
  if (!pass.perf) GTEST_SKIP() << "perf_event_open refused here: " << pass.perf_why_not;
  EXPECT_GE(pass.perf->switches, 1800u) << "same CPU: about one kernel switch per handoff";
}

}  // namespace
}  // namespace bench_switch
