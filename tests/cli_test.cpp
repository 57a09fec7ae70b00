// The binary as a user meets it: bad input gets one line and a non-zero exit, and a good run writes
// a complete JSON file and nothing else.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {
namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs bench_switch with `args` (shell words), capturing stdout and stderr separately.
Outcome run(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("bs_cli_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string cmd = std::string("timeout 120 ") + BENCH_SWITCH_BINARY + " " + args + " >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  Outcome o{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return o;
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, AnUnknownFlagGetsOneLineAndExitTwo) {
  const Outcome o = run("--no-such-flag");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("unknown option '--no-such-flag'"), std::string::npos) << o.err;
}

TEST(Cli, AMalformedGoogleBenchmarkFlagGetsOneLine) {
  const Outcome o = run("--benchmark_repetitions=many");
  EXPECT_NE(o.exit_code, 0);
  EXPECT_LE(lines(o.err), 2) << o.err;
}

TEST(Cli, AnUnwritableOutputIsRefusedBeforeMeasuring) {
  const Outcome o = run("--json /nonexistent/folder/out.json");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_TRUE(o.out.empty()) << "nothing should have been measured";
}

TEST(Cli, AFilterThatMatchesNothingFails) {
  const Outcome o = run("--benchmark_filter=no_such_benchmark --json /tmp/bs_cli_nothing.json");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("no benchmark matches"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists("/tmp/bs_cli_nothing.json"));
}

TEST(Cli, HelpNamesTheOptions) {
  const Outcome o = run("--help");
  EXPECT_EQ(o.exit_code, 0);
  for (const char* word : {"--json", "--benchmark_filter", "--benchmark_repetitions", "--benchmark_min_time"})
    EXPECT_NE(o.out.find(word), std::string::npos) << word;
}

TEST(Cli, ARunWritesCompleteJsonAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("bs_cli_run_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path json_path = dir / "r.json";
  const Outcome o = run("--benchmark_filter='switch/(indirect_call|process_pipe/same)' --benchmark_repetitions=2 "
                        "--benchmark_min_time=0.01 --json " + json_path.string());
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
