// The kernel's own counts of a task (measure/kernel_counters.hpp): a sleep is a voluntary switch,
// busy time is CPU time.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "measure/kernel_counters.hpp"

namespace bench_switch {
namespace {

TEST(KernelCounters, ASleepIsCountedAsAVoluntarySwitch) {
  const std::vector<pid_t> self = {static_cast<pid_t>(syscall(SYS_gettid))};
  const TaskCounts before = read_task_counts(self);
  usleep(2000);
  const TaskCounts d = read_task_counts(self) - before;
  EXPECT_GE(d.voluntary, 1u);
}

TEST(KernelCounters, CpuTimeGrowsWhileBusy) {
  const std::vector<pid_t> self = {static_cast<pid_t>(syscall(SYS_gettid))};
  const TaskCounts before = read_task_counts(self);
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < 20'000'000; ++i) sink = sink + i;
  EXPECT_GT((read_task_counts(self) - before).cpu_ns, 0u);
}

}  // namespace
}  // namespace bench_switch
