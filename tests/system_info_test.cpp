// What a run records of the machine (measure/system_info.hpp): every key a reader needs.
#include <gtest/gtest.h>

#include <string_view>

#include "measure/clock.hpp"
#include "measure/system_info.hpp"

namespace bench_switch {
namespace {

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

}  // namespace
}  // namespace bench_switch
