// Nothing is left behind: child processes are reaped, partner threads joined, fiber stacks and
// coroutine frames released, even when the partner died or the handoff never ran.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include "measure/affinity.hpp"
#include "mechanisms.hpp"
#include "mechanisms/stacks.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

TEST(Cleanup, EveryProcessMechanismReapsItsChild) {
  for (const Mechanism& m : mechanisms()) {
    if (m.task != TaskKind::process || !measurable_here(m)) continue;
    pid_t child;
    {
      const auto handoff = m.make(same_cpu(), Work{});
      handoff->run(100);
      child = handoff->tasks().at(1);
      EXPECT_EQ(kill(child, 0), 0) << m.name << ": the partner should be alive during the run";
    }
    expect_reaped(child);
  }
}

TEST(Cleanup, AProcessPairWhosePartnerWasKilledStillTearsDown) {
  for (const Mechanism& m : mechanisms()) {
    if (m.task != TaskKind::process || !measurable_here(m)) continue;
    pid_t child;
    {
      const auto handoff = m.make(same_cpu(), Work{});
      handoff->run(10);
      child = handoff->tasks().at(1);
      kill(child, SIGKILL);  // the destructor must neither hang nor die of SIGPIPE
    }
    expect_reaped(child);
  }
}

TEST(Cleanup, EveryMechanismReleasesItsStacksAndFrames) {
  for (const Mechanism& m : mechanisms()) {
    if (!measurable_here(m)) continue;
    for (const bool ran : {false, true}) {
      {
        const auto handoff = m.make(same_cpu(), Work{});
        if (m.task == TaskKind::fiber) {
          EXPECT_GT(live_fiber_stacks().load(), 0) << m.name;
        }
        if (m.task == TaskKind::coroutine) {
          EXPECT_GT(live_coroutine_frames().load(), 0) << m.name;
        }
        if (ran) handoff->run(100);
      }
      EXPECT_EQ(live_fiber_stacks().load(), 0) << m.name << (ran ? " after running" : " never run");
      EXPECT_EQ(live_coroutine_frames().load(), 0) << m.name << (ran ? " after running" : " never run");
    }
  }
}

TEST(Cleanup, ScopedPinRestoresTheAffinityItFound) {
  cpu_set_t before, after;
  sched_getaffinity(0, sizeof before, &before);
  { ScopedPin pin(same_cpu().measuring); }
  sched_getaffinity(0, sizeof after, &after);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

}  // namespace
}  // namespace bench_switch
