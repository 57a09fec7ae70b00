// The result path's pieces that need no measurement: which call's attachment reaches which
// repetition (bench/harness/attachments.hpp), and a run's entry as Google Benchmark's JSONReporter
// writes it, a non-finite figure as null (bench/harness/run_entry.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "../bench/harness/attachments.hpp"
#include "../bench/harness/run_entry.hpp"

namespace bench_switch {
namespace {

// Google Benchmark's first repetition: sizing calls, then the kept one; each later repetition one call.
TEST(Attachments, TheLastCallsAreTheRepetitionsInOrder) {
  for (int call = 0; call < 5; ++call) {  // 3 sizing calls, then repetitions 0 and 1
    begin_call("result_path/a");
    if (call != 3) attach_to_current_call({{"call", call}});
  }
  const auto kept = take_attachments("result_path/a", 2);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_TRUE(kept[0].is_null()) << "the call that attached nothing";
  EXPECT_EQ(kept[1], nlohmann::json({{"call", 4}}));
  EXPECT_TRUE(take_attachments("result_path/a", 1)[0].is_null()) << "taken calls are forgotten";
}

TEST(Attachments, ACallsAttachmentsMergeAndNothingIsKeptOutsideACall) {
  attach_to_current_call({{"orphan", true}});  // after a take: no call is running
  begin_call("result_path/d");
  attach_to_current_call({{"latency", 1}});
  attach_to_current_call({{"more", 2}});
  EXPECT_EQ(take_attachments("result_path/d", 1)[0], nlohmann::json({{"latency", 1}, {"more", 2}}));
}

TEST(Attachments, AnotherBenchmarksCallsStayApart) {
  begin_call("result_path/b");
  attach_to_current_call({{"of", "b"}});
  begin_call("result_path/c");  // as with random interleaving
  attach_to_current_call({{"of", "c"}});
  EXPECT_EQ(take_attachments("result_path/b", 1)[0], nlohmann::json({{"of", "b"}}));
  const auto c = take_attachments("result_path/c", 3);  // fewer calls than asked: the first are null
  ASSERT_EQ(c.size(), 3u);
  EXPECT_TRUE(c[0].is_null() && c[1].is_null());
  EXPECT_EQ(c[2], nlohmann::json({{"of", "c"}}));
}

benchmark::BenchmarkReporter::Run run_of(benchmark::BenchmarkReporter::Run::RunType type) {
  benchmark::BenchmarkReporter::Run r;
  r.run_name.function_name = "result_path/x";
  r.run_name.time_type = "manual_time";
  r.family_index = 3, r.per_family_instance_index = 0, r.run_type = type;
  r.repetitions = 5, r.repetition_index = 2, r.threads = 1, r.iterations = 10;
  r.time_unit = benchmark::kNanosecond, r.real_accumulated_time = 1e-6, r.cpu_accumulated_time = 2e-6;
  r.counters["ratio"] = benchmark::Counter(NAN);
  r.counters["count"] = benchmark::Counter(4);
  return r;
}

TEST(RunEntry, ARepetitionHasGoogleBenchmarksFieldsAndCounters) {
  const auto e = gbench_entry(run_of(benchmark::BenchmarkReporter::Run::RT_Iteration));
  EXPECT_EQ(e["name"], "result_path/x/manual_time");
  EXPECT_EQ(e["run_name"], "result_path/x/manual_time");
  EXPECT_EQ(e["run_type"], "iteration");
  EXPECT_EQ(e["repetition_index"], 2);
  EXPECT_EQ(e["family_index"], 3);
  EXPECT_EQ(e["iterations"], 10);
  EXPECT_DOUBLE_EQ(e["real_time"].get<double>(), 100);  // 1 µs over 10 iterations, in ns
  EXPECT_DOUBLE_EQ(e["cpu_time"].get<double>(), 200);
  EXPECT_EQ(e["time_unit"], "ns");
  EXPECT_TRUE(e["ratio"].is_null()) << "NaN is written null";
  EXPECT_EQ(e["count"], 4.0);
  EXPECT_FALSE(e.contains("aggregate_name") || e.contains("error_occurred"));
}

TEST(RunEntry, APercentAggregateKeepsItsValueAndAFailureItsMessage) {
  auto r = run_of(benchmark::BenchmarkReporter::Run::RT_Aggregate);
  r.aggregate_name = "cv", r.aggregate_unit = benchmark::kPercentage;
  r.real_accumulated_time = 0.25, r.error_occurred = true, r.error_message = "partner lost";
  const auto e = gbench_entry(r);
  EXPECT_EQ(e["name"], "result_path/x/manual_time_cv");
  EXPECT_EQ(e["aggregate_name"], "cv");
  EXPECT_EQ(e["aggregate_unit"], "percentage");
  EXPECT_DOUBLE_EQ(e["real_time"].get<double>(), 0.25);
  EXPECT_FALSE(e.contains("repetition_index"));
  EXPECT_EQ(e["error_message"], "partner lost");
}

}  // namespace
}  // namespace bench_switch
