// The measuring helpers read what the kernel says, and placements are what they claim.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <string_view>

#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/handoff_timing.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/paired_batches.hpp"
#include "measure/system_info.hpp"
#include "mechanisms.hpp"

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

TEST(Placement, SameCpuPinsBothSidesToOneCpuCrossCpuToTwo) {
  std::string why_not;
  const auto same = resolve_placement(PlacementKind::same_cpu, why_not);
  ASSERT_TRUE(same);
  EXPECT_EQ(CPU_COUNT(&same->measuring), 1);
  EXPECT_TRUE(CPU_EQUAL(&same->measuring, &same->partner));
  const auto cross = resolve_placement(PlacementKind::cross_cpu, why_not);
  if (allowed_cpus().size() < 2) {
    EXPECT_FALSE(cross);
    EXPECT_EQ(why_not.rfind("skipped:", 0), 0u) << why_not;
  } else {
    ASSERT_TRUE(cross);
    EXPECT_EQ(CPU_COUNT(&cross->measuring), 1);
    EXPECT_EQ(CPU_COUNT(&cross->partner), 1);
    EXPECT_FALSE(CPU_EQUAL(&cross->measuring, &cross->partner));
  }
}

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

TEST(SystemContext, RecordsWhatAReaderNeeds) {
  const auto ctx = system_context();
  for (const char* key : {"tool", "git_revision", "build_type", "compiler", "libraries", "cpu_model", "cpu_count",
                          "kernel_release", "clocksource", counter_name(), "scheduler", "cpufreq_governor",
                          "virtualization", "mitigations", "fingerprint"})
    EXPECT_TRUE(ctx.contains(key)) << key;
  // The counter is named for what it is: the TSC only on x86-64, CNTVCT_EL0 on aarch64.
  EXPECT_EQ(ctx.contains("tsc"), std::string_view(counter_name()) == "tsc");
  EXPECT_TRUE(ctx[counter_name()]["invariant"].is_boolean());
  EXPECT_EQ(ctx["tool"], "bench_switch");
  EXPECT_GE(ctx["cpu_count"].get<int>(), 1);
}

TEST(SystemContext, ReadFirstLineTrimsAndToleratesMissingFiles) {
  EXPECT_EQ(read_first_line("/nonexistent/file"), "");
  EXPECT_FALSE(read_first_line("/proc/sys/kernel/osrelease").empty());
}

// The penalty arithmetic of the fpenv family, on made-up repetitions.
TEST(RepetitionEstimate, AFewRepetitionsGiveTheirRangeAndItsCoverage) {
  const MedianInterval m = median_interval({3, 1, 2, 4, 100});
  EXPECT_DOUBLE_EQ(m.median, 3) << "the outlier does not move it";
  EXPECT_DOUBLE_EQ(m.lo, 1);
  EXPECT_DOUBLE_EQ(m.hi, 100);
  EXPECT_DOUBLE_EQ(m.coverage, 1 - 1.0 / 16) << "5 values: outside [min, max] only if all five fall on one side";
  EXPECT_DOUBLE_EQ(estimate_of(m).uncertainty, 97) << "the larger distance to the interval's ends";
}

TEST(RepetitionEstimate, IsResolvedOnlyBeyondItsNoise) {
  EXPECT_TRUE(resolved(estimate_of(median_interval({50, 51, 49, 52, 48}))));
  // The repetitions of the reference run that read a "negative penalty" with the MAD: they straddle zero.
  EXPECT_FALSE(resolved(estimate_of(median_interval({1.9, -5.03, 4.51, -4.68, -3.48}))));
  EXPECT_FALSE(resolved(estimate_of(median_interval({50})))) << "one repetition, no uncertainty";
}

}  // namespace
}  // namespace bench_switch
