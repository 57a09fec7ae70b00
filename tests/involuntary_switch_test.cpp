// The real runs of family involuntary_switch (a short window each) come back with figures whose
// counts agree with one another, and leave no task behind. No timing is asserted: structure only.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>

#include "experiments/involuntary_switch.hpp"
#include "experiments/involuntary_switch_refill.hpp"

namespace bench_switch {
namespace {

void involuntary_no_child_left() {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is still there";
  EXPECT_EQ(errno, ECHILD);
}

TEST(InvoluntarySwitch, AShortRunOfThreadsAndProcessesGivesConsistentCounts) {
  for (const TaskKind kind : {TaskKind::thread, TaskKind::process}) {
    HandoverConfig config;
    config.tasks = 2;
    config.kind = kind;
    config.window_ns = 3e7;
    const HandoverResult r = measure_handovers(config);
    if (r.error.rfind("skipped:", 0) == 0) GTEST_SKIP() << r.error;
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.handovers.histogram.count(), r.handovers.count);
    EXPECT_LE(r.handovers_at_tick, r.handovers.count);
    EXPECT_LE(r.starts, 1u) << "two tasks: at most one start lies between runs";
    EXPECT_GT(r.window_ns, 0);
    EXPECT_GT(r.loop_step_ns, 0);
    if (r.handovers.count > 0) {
      EXPECT_LE(r.handovers.p10, r.handovers.p50);
      EXPECT_LE(r.handovers.p50, r.handovers.p99);
    }
    involuntary_no_child_left();
  }
}

TEST(InvoluntarySwitch, ALoneTaskHasNoHandover) {
  HandoverConfig config;
  config.tasks = 1;
  config.window_ns = 2e7;
  const HandoverResult r = measure_handovers(config);
  if (r.error.rfind("skipped:", 0) == 0) GTEST_SKIP() << r.error;
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.handovers.count, 0u);
  EXPECT_EQ(r.starts, 0u);
  EXPECT_EQ(r.ticks.count, r.same_task_at_tick);
}

TEST(Refill, AShortWalkReturnsSamplesNoMoreThanResumptions) {
  for (const int tasks : {2, 1}) {
    RefillConfig config;
    config.tasks = tasks;
    config.bytes = 64 << 10;
    config.window_ns = 3e7;
    const RefillResult r = measure_refill(config);
    if (r.error.rfind("skipped:", 0) == 0) GTEST_SKIP() << r.error;
    ASSERT_EQ(r.error, "");
    EXPECT_LE(r.samples, r.resumptions);
    EXPECT_EQ(r.excess_ns.n, r.samples);
    EXPECT_GT(r.steady_pass_ns, 0);
    involuntary_no_child_left();
  }
}

TEST(Refill, RefusesAWorkingSetThatIsNotAPowerOfTwo) {
  RefillConfig config;
  config.bytes = 5000;
  EXPECT_NE(measure_refill(config).error, "");
  config.bytes = 64;
  EXPECT_NE(measure_refill(config).error, "");
}

}  // namespace
}  // namespace bench_switch
