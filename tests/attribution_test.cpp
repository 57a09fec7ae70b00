// Attribution of lost time on synthetic timelines: every gap goes to a peer or to outside, a gap
// that holds both is split, and the merged timeline counts each hole once.
#include <gtest/gtest.h>

#include "measure/attribution.hpp"

namespace bench_switch {
namespace {

WorkerTimeline worker(std::uint64_t first, std::uint64_t last, std::vector<Gap> gaps) {
  return {first, last, std::move(gaps)};
}

TEST(Attribution, AGapInWhichAPeerRanIsAPeerGap) {
  // A runs 0-100, B 100-200, A 200-300: a clean handoff each way.
  const Attribution a = attribute({worker(0, 300, {{100, 200}}), worker(100, 200, {})});
  ASSERT_EQ(a.gaps.size(), 2u);
  ASSERT_EQ(a.gaps[0].size(), 1u);
  EXPECT_EQ(a.gaps[0][0].peer_ns, 100u);
  EXPECT_EQ(a.gaps[0][0].outside_ns, 0u);
  EXPECT_EQ(a.peer_gaps, 1u);
  EXPECT_EQ(a.outside_gaps, 0u);
  EXPECT_EQ(a.outside_ns, 0u);
  EXPECT_EQ(a.window_ns, 300u);
}

TEST(Attribution, AGapInWhichNobodyRanIsOutside) {
  // One worker runs 0-100, another 200-300; the third is stopped 100-200, when neither ran.
  const Attribution a = attribute({worker(0, 100, {}), worker(200, 300, {}), worker(50, 300, {{100, 200}})});
  EXPECT_EQ(a.gaps[2][0].peer_ns, 0u);
  EXPECT_EQ(a.gaps[2][0].outside_ns, 100u);
  EXPECT_EQ(a.outside_gaps, 1u);
  EXPECT_EQ(a.outside_ns, 100u);
  EXPECT_EQ(a.outside_stretches, 1u);
  EXPECT_EQ(a.outside_max_ns, 100u);
}

TEST(Attribution, ALoneWorkersGapsAreAllOutside) {
  const Attribution a = attribute({worker(0, 1000, {{100, 150}, {400, 480}})});
  EXPECT_EQ(a.outside_gaps, 2u);
  EXPECT_EQ(a.peer_gaps, 0u);
  EXPECT_EQ(a.outside_ns, 130u);
  EXPECT_EQ(a.outside_stretches, 2u);
  EXPECT_EQ(a.outside_max_ns, 80u);
  EXPECT_DOUBLE_EQ(a.outside_share(), 0.13);
}

TEST(Attribution, AGapThatHoldsBothIsSplit) {
  // A stops at 100; nobody runs until 130 (the switch, an interrupt); B runs 130-400; nobody
  // 400-410; A is back at 410.
  const Attribution a = attribute({worker(0, 500, {{100, 410}}), worker(130, 400, {})});
  EXPECT_EQ(a.gaps[0][0].peer_ns, 270u);
  EXPECT_EQ(a.gaps[0][0].outside_ns, 40u);
  EXPECT_EQ(a.peer_gaps, 1u);
  EXPECT_EQ(a.outside_ns, 40u);
  EXPECT_EQ(a.outside_stretches, 2u);
  EXPECT_EQ(a.outside_max_ns, 30u);
}

TEST(Attribution, GapsAtTheWindowsStartAndEnd) {
  // B is first to read (0) and is stopped at once while A starts (20); at the end A stops, B
  // reads once more and the window closes with B's last read.
  const Attribution a = attribute({worker(20, 900, {}), worker(0, 1000, {{10, 950}})});
  EXPECT_EQ(a.gaps[1][0].peer_ns, 880u);
  EXPECT_EQ(a.gaps[1][0].outside_ns, 60u);  // 10-20 before A's first read, 900-950 after its last
  EXPECT_EQ(a.window_ns, 1000u);
  EXPECT_EQ(a.outside_ns, 60u);
  EXPECT_EQ(a.outside_max_ns, 50u);
}

TEST(Attribution, ThreeWorkersEachInstantCountedOnce) {
  // A 0-100, B 100-200, hole 200-250, C 250-350, A 350-400. B and C only run once.
  const Attribution a = attribute({worker(0, 400, {{100, 350}}), worker(100, 200, {}), worker(250, 350, {})});
  EXPECT_EQ(a.gaps[0][0].peer_ns, 200u);  // B's run and C's
  EXPECT_EQ(a.gaps[0][0].outside_ns, 50u);
  EXPECT_EQ(a.outside_ns, 50u) << "the hole lies in A's gap only once";
  EXPECT_EQ(a.window_ns, 400u);
}

TEST(Attribution, NoWorkersGivesNothing) {
  const Attribution a = attribute({});
  EXPECT_EQ(a.window_ns, 0u);
  EXPECT_TRUE(a.gaps.empty());
  EXPECT_DOUBLE_EQ(a.outside_share(), 0.0);
}

TEST(HandoffSlices, OutsideGapsDoNotEndASliceAndAreTakenOutOfIt) {
  // A: peer gap 100-200, an outside stop 300-320, peer gap 500-600, and a last run cut by the end.
  const WorkerTimeline a = worker(0, 800, {{100, 200}, {300, 320}, {500, 600}});
  const std::vector<GapShare> shares = {{100, 0}, {0, 20}, {90, 10}};
  const HandoffSlices s = slices_between_handoffs(a, shares);
  ASSERT_EQ(s.slices_ns.size(), 1u);
  EXPECT_DOUBLE_EQ(s.slices_ns[0], 280);  // 200-500 less the 20 ns stop
  EXPECT_EQ(s.outside_gaps_in_slices, 1u);
  EXPECT_EQ(s.outside_ns_in_slices, 20u);
  EXPECT_EQ(s.peer_gaps_ns, (std::vector<double>{100, 100}));
}

TEST(HandoffSlices, OutsideGapsBeforeTheFirstHandoffAreNotInASlice) {
  const WorkerTimeline a = worker(0, 800, {{50, 60}, {100, 200}});
  const HandoffSlices s = slices_between_handoffs(a, {{0, 10}, {100, 0}});
  EXPECT_TRUE(s.slices_ns.empty()) << "one handoff bounds no slice";
  EXPECT_EQ(s.outside_gaps_in_slices, 0u);
}

}  // namespace
}  // namespace bench_switch
