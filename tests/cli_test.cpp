// The binary as a user meets it: bad input gets one line and a non-zero exit, and a good run writes
// a complete JSON file and nothing else.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "binary.hpp"

namespace {
namespace fs = std::filesystem;

using bench_switch::testing_binary::lines;
using bench_switch::testing_binary::Outcome;
using bench_switch::testing_binary::run_binary;
using bench_switch::testing_binary::slurp;

TEST(Cli, AnUnknownFlagGetsOneLineAndExitTwo) {
  const Outcome o = run_binary({"--no-such-flag"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("unknown option '--no-such-flag'"), std::string::npos) << o.err;
}

TEST(Cli, AMalformedGoogleBenchmarkFlagGetsOneLine) {
  const Outcome o = run_binary({"--benchmark_repetitions=many"});
  EXPECT_NE(o.exit_code, 0);
  EXPECT_LE(lines(o.err), 2) << o.err;
}

TEST(Cli, AnUnwritableOutputIsRefusedBeforeMeasuring) {
  const Outcome o = run_binary({"--json", "/nonexistent/folder/out.json"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_TRUE(o.out.empty()) << "nothing should have been measured";
}

TEST(Cli, AFilterThatMatchesNothingFails) {
  const Outcome o = run_binary({"--benchmark_filter=no_such_benchmark", "--json", "/tmp/bs_cli_nothing.json"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("no benchmark matches"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists("/tmp/bs_cli_nothing.json"));
}

TEST(Cli, HelpNamesTheOptions) {
  const Outcome o = run_binary({"--help"});
  EXPECT_EQ(o.exit_code, 0);
  for (const char* word : {"--json", "--repetitions", "--benchmark_filter", "--benchmark_repetitions", "--benchmark_min_time"})
    EXPECT_NE(o.out.find(word), std::string::npos) << word;
}

TEST(Cli, ABadRepetitionsSettingGetsOneLine) {
  for (const char* bad : {"--repetitions=0", "--repetitions=many", "--repetitions"}) {
    const Outcome o = run_binary({bad});
    EXPECT_EQ(o.exit_code, 2) << bad;
    EXPECT_EQ(lines(o.err), 1) << o.err;
    EXPECT_NE(o.err.find("--repetitions"), std::string::npos) << o.err;
  }
}

// --repetitions reaches a family that otherwise runs once, and its budget is a field, not a name.
TEST(Cli, RepetitionsReachEveryFamilyAndBudgetsAreFields) {
  const fs::path json_path = fs::temp_directory_path() / ("bs_cli_reps_" + std::to_string(getpid()) + ".json");
  const Outcome o = run_binary({"--repetitions", "3", "--benchmark_filter=memory/idle_coroutine", "--json", json_path.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto doc = nlohmann::json::parse(slurp(json_path));
  int measured = 0;
  for (const auto& b : doc["benchmarks"]) {
    const std::string name = b["name"];
    EXPECT_EQ(name.find("repeats:"), std::string::npos) << name;
    EXPECT_EQ(name.find("iterations:"), std::string::npos) << name;
    EXPECT_EQ(b["budget"]["repetitions"], 3) << name;
    EXPECT_EQ(b["budget"]["iterations"], 1) << name;
    if (b.value("run_type", "") == "iteration") ++measured;
  }
  EXPECT_EQ(measured, 3);
  EXPECT_EQ(doc["context"]["bench_switch"]["repetitions_setting"], 3);
  EXPECT_TRUE(doc["context"]["bench_switch"].contains("preempt"));
  EXPECT_TRUE(doc["context"]["bench_switch"].contains("hz"));
  fs::remove(json_path);
}

TEST(Cli, ARunWritesCompleteJsonAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("bs_cli_run_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path json_path = dir / "r.json";
  const Outcome o = run_binary({"--benchmark_filter=switch/(indirect_call|process_pipe/same)", "--benchmark_repetitions=2",
                                "--benchmark_min_time=0.01", "--json", json_path.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("wrote " + json_path.string()), std::string::npos);
  const auto doc = nlohmann::json::parse(slurp(json_path));
  EXPECT_EQ(doc["context"]["bench_switch"]["tool"], "bench_switch");
  int measured = 0;
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_EQ(b["family"], "switch");
    for (const char* key : {"mechanism", "kind", "task", "placement", "unit", "params"}) EXPECT_TRUE(b.contains(key)) << key;
    if (b.value("run_type", "") == "iteration") {
      ++measured;
      for (const char* key : {"ns_per_switch", "kernel_switches_per_switch", "cpu_utilisation", "switches"})
        EXPECT_TRUE(b.contains(key)) << key;
    }
  }
  EXPECT_EQ(measured, 4);  // two benchmarks, two repetitions each
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1) << "only the results file: no temporary file left behind";
  fs::remove_all(dir);
}

}  // namespace

namespace {
// Values the options refuse, with the words the one line must hold: the range, the duplicate,
// the bound, the option that replaces a refused Google Benchmark flag.
struct CliRefusal {
  std::vector<std::string> args;
  const char* says;
};

TEST(Cli, OutOfRangeValuesAndFlagsItCannotHonourGetOneLineNamingTheCause) {
  const CliRefusal refusals[] = {
      {{"--benchmark_repetitions=0"}, "a whole number from 1 to 1000"},
      {{"--benchmark_repetitions=-3"}, "a whole number from 1 to 1000"},
      {{"--count-instructions", "fcontext_fiber", "-5"}, "bad number of round trips '-5'"},
      {{"--count-instructions", "fcontext_fiber", "123456789012345678901234"}, "a whole number from 1 to"},
      {{"--c2c-cpus=0-1,0-1"}, "CPU 0 is listed twice"},
      {{"--c2c-cpus=0-2147483647"}, "CPU 2147483647 is beyond the highest"},
      {{"--c2c-cpus="}, "--c2c-cpus needs a value"},
      {{"--c2c-budget=inf"}, "not a number of seconds"},
      {{"--topology=pack:1000 numa:100 core:100 pu:100"}, "more than 1024 PUs"},
      {{"--benchmark_out=/tmp/bs_cli_out.json"}, "with --json PATH"},
      {{"--benchmark_format=json"}, "with --json PATH"},
  };
  for (const CliRefusal& r : refusals) {
    const Outcome o = run_binary(r.args, 10);
    EXPECT_EQ(o.exit_code, 2) << r.args.front() << ": " << o.err;
    EXPECT_EQ(lines(o.err), 1) << o.err;
    EXPECT_NE(o.err.find(r.says), std::string::npos) << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }
}
}  // namespace
