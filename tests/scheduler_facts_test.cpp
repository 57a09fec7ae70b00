// The scheduler facts parse the kernel's texts and predict the slice by the stated rules; the
// steal field is found in /proc/stat's layout. Synthetic texts only: nothing here reads this machine.
#include <gtest/gtest.h>

#include "measure/kernel_counters.hpp"
#include "measure/scheduler_facts.hpp"

namespace bench_switch {
namespace {

TEST(SchedulerFacts, ConfigValuesAreReadAndUnsetOnesAreN) {
  const std::string config = "CONFIG_HZ_250=y\nCONFIG_HZ=250\n# CONFIG_RT_GROUP_SCHED is not set\nCONFIG_HZ_1000_X=1\n";
  EXPECT_EQ(config_value(config, "CONFIG_HZ"), "250");
  EXPECT_EQ(config_value(config, "CONFIG_HZ_250"), "y");
  EXPECT_EQ(config_value(config, "CONFIG_RT_GROUP_SCHED"), "n");
  EXPECT_FALSE(config_value(config, "CONFIG_SCHEDSTATS"));
}

TEST(SchedulerFacts, PreemptModeIsDebugfsThenCommandLineThenConfig) {
  const std::string config = "CONFIG_PREEMPT_NONE=y\n# CONFIG_PREEMPT is not set\nCONFIG_PREEMPT_DYNAMIC=y\n";
  EXPECT_EQ(preempt_mode_of("none voluntary (full) lazy\n", "preempt=none", config, "cfg").mode, "full");
  EXPECT_EQ(preempt_mode_of(std::nullopt, "quiet preempt=lazy ro", config, "cfg").mode, "lazy");
  // After "--" the words are init's, not the kernel's.
  EXPECT_EQ(preempt_mode_of(std::nullopt, "quiet -- preempt=full", config, "cfg").mode, "none");
  const PreemptMode from_config = preempt_mode_of(std::nullopt, "", config, "cfg");
  EXPECT_EQ(from_config.mode, "none");
  EXPECT_NE(from_config.source.find("PREEMPT_DYNAMIC"), std::string::npos);
  EXPECT_EQ(preempt_mode_of(std::nullopt, "", "CONFIG_PREEMPT_RT=y\nCONFIG_PREEMPT=y\n", "cfg").mode, "rt");
  EXPECT_TRUE(preempt_mode_of(std::nullopt, "", std::nullopt, "no config").mode.empty());
}

SchedulerFacts with(double hz, std::optional<double> base_slice, std::optional<double> hrtick = std::nullopt) {
  SchedulerFacts f;
  f.hz = {hz, "test"};
  f.base_slice_ns = {base_slice, base_slice ? "test" : "not readable"};
  f.hrtick = {hrtick, hrtick ? "test" : "not readable"};
  f.rr_timeslice_ms = {100, "test"};
  return f;
}

TEST(SchedulerFacts, ABaseSliceShorterThanATickLastsOneTick) {
  const SlicePrediction p = predict_slice(false, with(250, 3e6), 2);
  ASSERT_TRUE(p.ns);
  EXPECT_DOUBLE_EQ(*p.ns, 4e6);
}

TEST(SchedulerFacts, ALongerBaseSliceIsRoundedUpToWholeTicks) {
  EXPECT_DOUBLE_EQ(*predict_slice(false, with(1000, 2.5e6), 2).ns, 3e6);
  EXPECT_DOUBLE_EQ(*predict_slice(false, with(250, 4e6), 2).ns, 4e6) << "exactly one tick stays one";
}

TEST(SchedulerFacts, HrtickOnGivesTheBaseSliceItself) {
  EXPECT_DOUBLE_EQ(*predict_slice(false, with(250, 3e6, 1.0), 2).ns, 3e6);
}

TEST(SchedulerFacts, AnUnreadableBaseSliceTakesTheKernelsDefaultAndSaysSo) {
  const SlicePrediction two = predict_slice(false, with(1000, std::nullopt), 2);
  EXPECT_DOUBLE_EQ(*two.ns, 2e6);  // 0.75 ms × (1 + log2 2) = 1.5 ms, rounded up to 2 ticks of 1 ms
  EXPECT_NE(two.rule.find("default"), std::string::npos) << two.rule;
  EXPECT_DOUBLE_EQ(*predict_slice(false, with(1000, std::nullopt), 64).ns, 3e6) << "CPUs capped at 8: 3 ms";
}

TEST(SchedulerFacts, RrTakesItsQuantumAndNothingIsPredictedWithoutHz) {
  EXPECT_DOUBLE_EQ(*predict_slice(true, with(250, 3e6), 2).ns, 100e6);
  SchedulerFacts f = with(250, 3e6);
  f.hz = {std::nullopt, "no config"};
  const SlicePrediction p = predict_slice(false, f, 2);
  EXPECT_FALSE(p.ns);
  EXPECT_NE(p.rule.find("no config"), std::string::npos);
}

TEST(SchedulerFacts, AgreementIsWithinTenPercent) {
  EXPECT_TRUE(agrees(3.97e6, 4e6));
  EXPECT_TRUE(agrees(4.4e6, 4e6));
  EXPECT_FALSE(agrees(4.41e6, 4e6));
  EXPECT_FALSE(agrees(22.9e6, 100e6));
  EXPECT_FALSE(agrees(1, 0));
}

TEST(SchedulerFacts, AnUnreadableFactIsNullWithAReason) {
  const nlohmann::json j = to_json(Fact{std::nullopt, "debugfs is not mounted"});
  EXPECT_TRUE(j["value"].is_null());
  EXPECT_EQ(j["reason"], "debugfs is not mounted");
  EXPECT_EQ(to_json(Fact{250.0, "/proc/config.gz"})["value"], 250.0);
}

TEST(KernelCounters, StealIsTheEighthFieldOfTheCpusLine) {
  const std::string stat = "cpu  1 2 3 4 5 6 7 99 0 0\ncpu0 1 2 3 4 5 6 7 11 0 0\ncpu1 1 2 3 4 5 6 7 22 0 0\nintr 5\n";
  EXPECT_EQ(steal_ticks(stat, 1), 22u);
  EXPECT_EQ(steal_ticks(stat, 0), 11u);
  EXPECT_FALSE(steal_ticks(stat, 2));
  EXPECT_FALSE(steal_ticks("cpu0 1 2 3\n", 0)) << "a kernel too old to report steal";
}

}  // namespace
}  // namespace bench_switch
