// The gap detector reads a timeline exactly, the percentiles are the textbook ones, and the real
// runs (threads, processes, RR) come back and leave nothing behind.
// No test asserts a timing value: the real runs check structure only.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>

#include <cerrno>
#include <atomic>
#include <cmath>
#include <csignal>
#include <memory>

#include "experiments/timeslice.hpp"
#include "measure/affinity.hpp"
#include "measure/timeline.hpp"
#include "mechanisms/shared_block.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

void expect_no_child_left() {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is still there";
  EXPECT_EQ(errno, ECHILD);
}

TEST(Percentile, InterpolatesBetweenNeighbouringRanks) {
  const std::vector<double> ten = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};  // unsorted on purpose
  EXPECT_DOUBLE_EQ(percentile(ten, 0.5), 5.5);
  EXPECT_DOUBLE_EQ(percentile(ten, 0.1), 1.9);  // rank 0.9: 1 + 0.9 · (2 − 1)
  EXPECT_DOUBLE_EQ(percentile(ten, 0.9), 9.1);
  EXPECT_DOUBLE_EQ(percentile(ten, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(ten, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3}, 0.5), 2.0);
}

TEST(Percentile, OneValueIsEveryPercentileNoValueIsNaN) {
  EXPECT_DOUBLE_EQ(percentile({42}, 0.1), 42.0);
  EXPECT_DOUBLE_EQ(percentile({42}, 0.9), 42.0);
  EXPECT_TRUE(std::isnan(percentile({}, 0.5)));
  const Distribution none = distribution_of({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_TRUE(std::isnan(none.median));
  const Distribution d = distribution_of({3, 1, 2});
  EXPECT_EQ(d.count, 3u);
  EXPECT_DOUBLE_EQ(d.median, 2.0);
  EXPECT_DOUBLE_EQ(d.p10, 1.2);
  EXPECT_DOUBLE_EQ(d.p90, 2.8);
}

// Feeds reads every `step` ns from `from` to `to` inclusive.
void run(GapDetector& d, std::uint64_t from, std::uint64_t to, std::uint64_t step = 20) {
  for (std::uint64_t t = from; t <= to; t += step) d.observe(t);
}

TEST(GapDetector, FindsEveryGapAndTheSlicesBetweenThem) {
  auto d = std::make_unique<GapDetector>(50'000);
  run(*d, 1'000, 2'000'000);            // cut by the start: not a slice
  run(*d, 2'100'000, 5'000'000);        // after a 100 µs gap; a 2.9 ms slice
  run(*d, 8'000'000, 12'000'000);       // after a 3 ms gap; a 4 ms slice
  run(*d, 12'060'000, 13'000'000);      // after a 60 µs gap; a 0.94 ms slice
  run(*d, 13'040'000, 14'000'000);      // 40 µs: below the threshold, no gap
  run(*d, 20'000'000, 21'000'000);      // after a 6 ms gap; cut by the end: not a slice
  const TimelineSummary s = d->summary();
  ASSERT_EQ(s.gaps_ns.size(), 4u);
  EXPECT_EQ(s.gaps_ns, (std::vector<double>{100'000, 3'000'000, 60'000, 6'000'000}));
  ASSERT_EQ(s.slices_ns.size(), 3u);
  EXPECT_EQ(s.slices_ns, (std::vector<double>{2'900'000, 4'000'000, 1'940'000}));
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_DOUBLE_EQ(s.span_ns, 21'000'000 - 1'000);
  EXPECT_DOUBLE_EQ(s.busy_ns, s.span_ns - (100'000 + 3'000'000 + 60'000 + 6'000'000));
  EXPECT_EQ(d->gap_count(), 4u);
  EXPECT_EQ(d->first_ns(), 1'000u);
  EXPECT_EQ(d->last_ns(), 21'000'000u);

  const Distribution slices = distribution_of(s.slices_ns);
  EXPECT_EQ(slices.count, 3u);
  EXPECT_DOUBLE_EQ(slices.median, 2'900'000);
  const Distribution gaps = distribution_of(s.gaps_ns);
  EXPECT_DOUBLE_EQ(gaps.median, (100'000 + 3'000'000) / 2.0);
}

TEST(GapDetector, AStepOfExactlyTheThresholdIsNoGap) {
  auto d = std::make_unique<GapDetector>(50'000);
  d->observe(0);
  d->observe(50'000);   // exactly the threshold
  d->observe(100'001);  // one ns over
  EXPECT_EQ(d->summary().gaps_ns, (std::vector<double>{50'001}));
  EXPECT_TRUE(d->summary().slices_ns.empty()) << "one gap bounds no slice";
}

TEST(GapDetector, NothingObservedOrOneRunGivesNoGap) {
  auto d = std::make_unique<GapDetector>();
  EXPECT_EQ(d->summary().reads, 0u);
  EXPECT_TRUE(d->summary().gaps_ns.empty());
  run(*d, 0, 1'000'000);
  EXPECT_TRUE(d->summary().gaps_ns.empty());
  EXPECT_EQ(d->summary().reads, 50'001u);
  EXPECT_DOUBLE_EQ(d->summary().step_ns(), 20.0);
}

TEST(GapDetector, GapsBeyondTheCapacityAreCountedAsDropped) {
  auto d = std::make_unique<GapDetector>(10);
  for (std::uint64_t i = 0; i < GapDetector::kCapacity + 5; ++i) d->observe(i * 100);
  EXPECT_EQ(d->gap_count(), GapDetector::kCapacity);  // kCapacity + 4 gaps seen
  EXPECT_EQ(d->summary().dropped, 4u);
}

TEST(Timeslices, AShortThreadRunReturnsWithATimeline) {
  TimesliceConfig config;
  config.tasks = 2;
  config.window_ns = 5e7;
  const TimesliceResult r = measure_timeslices(config);
  if (r.error.rfind("skipped:", 0) == 0) GTEST_SKIP() << r.error;
  ASSERT_EQ(r.error, "");
  EXPECT_LE(r.slices.count, r.peer_gaps.count) << "every slice lies between two peer gaps";
  EXPECT_LE(r.lost.outside_ns, r.lost.window_ns);
  EXPECT_EQ(std::isnan(r.slices.median), r.slices.count == 0);
}

TEST(Timeslices, AShortProcessRunReturnsAndLeavesNoChild) {
  TimesliceConfig config;
  config.tasks = 2;
  config.kind = TaskKind::process;
  config.window_ns = 5e7;
  const TimesliceResult r = measure_timeslices(config);
  expect_no_child_left();
  if (r.error.rfind("skipped:", 0) == 0) GTEST_SKIP() << r.error;
  ASSERT_EQ(r.error, "");
  EXPECT_LE(r.slices.count, r.peer_gaps.count);
}

TEST(Timeslices, AnRrRunReturnsAndRestoresThePolicy) {
  TimesliceConfig config;
  config.tasks = 2;
  config.policy = SchedPolicy::rr;
  config.window_ns = 5e7;
  const TimesliceResult r = measure_timeslices(config);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER) << "the caller's policy never changes";
  if (!r.error.empty()) {
    EXPECT_EQ(r.error.rfind("skipped:", 0), 0u) << r.error;
  }
}

TEST(Crew, ACrewWhoseChildDiesReportsItAndLeavesNoChild) {
  CrewPlan plan;
  plan.tasks = 2;
  plan.kind = TaskKind::process;
  plan.cpu = same_cpu().measuring;
  plan.window_ns = 1e7;
  const CrewResult r = run_crew(plan, [](int index, std::uint64_t) {
    if (index == 1) raise(SIGKILL);
  });
  EXPECT_EQ(r.error, "a task of the crew died");
  expect_no_child_left();
}

TEST(Crew, EveryTaskRunsTheBodyOnceWithTheSameEnd) {
  for (const TaskKind kind : {TaskKind::thread, TaskKind::process}) {
    CrewPlan plan;
    plan.tasks = 3;
    plan.kind = kind;
    plan.cpu = same_cpu().measuring;
    plan.window_ns = 1e6;
    struct Seen {
      std::atomic<int> runs[kMaxCrew];
      std::atomic<std::uint64_t> end[kMaxCrew];
    };
    SharedBlock<Seen> seen(kind == TaskKind::process);
    const CrewResult r = run_crew(plan, [&](int index, std::uint64_t end_ns) {
      seen->runs[index].fetch_add(1);
      seen->end[index].store(end_ns);
    });
    ASSERT_EQ(r.error, "");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(seen->runs[i].load(), 1) << i;
    EXPECT_NE(seen->end[0].load(), 0u);
    EXPECT_EQ(seen->end[1].load(), seen->end[0].load());
    EXPECT_EQ(seen->end[2].load(), seen->end[0].load());
    EXPECT_EQ(seen->runs[3].load(), 0);
    expect_no_child_left();
  }
}

}  // namespace
}  // namespace bench_switch
