#include "go_suite.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "run_warnings.hpp"
#include "stop_signals.hpp"

namespace bench_switch {
namespace {
namespace fs = std::filesystem;
}  // namespace

nlohmann::json run_go_suite(bool quick, bool quiet_stdout) {
  // BENCH_SWITCH_GO names another bench_go (one built elsewhere; the tests' stand-in).
  const char* chosen = std::getenv("BENCH_SWITCH_GO");
  const std::string binary = chosen != nullptr ? chosen : BENCH_SWITCH_GO_BINARY;
  std::string why_not = chosen != nullptr ? "" : BENCH_SWITCH_GO_MISSING;
  if (why_not.empty() && !fs::exists(binary))
    why_not = chosen != nullptr ? fmt::format("BENCH_SWITCH_GO={} does not exist", binary)
                                : fmt::format("{} is not built (cmake --build build --target bench_go)", binary);
  if (!why_not.empty()) {
    warn_once("--with-go: the Go rows are skipped: " + why_not);
    return {{"skipped", why_not}};
  }
  const std::string out = (fs::temp_directory_path() / fmt::format("bench_switch_go_{}.json", getpid())).string();
  std::vector<std::string> argv = {binary, "--json", out};
  if (quick) argv.push_back("--quick");
  const int status = run_command(argv, quiet_stdout);
  std::ifstream in(out);
  nlohmann::json doc = status == 0 && in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  fs::remove(out);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array()) {
    park_if_stopping();  // killed by the stop: the stopping thread says so and exits
    std::fprintf(stderr, "bench_switch: the Go suite failed (exit %d); nothing written\n", status);
    std::exit(1);
  }
  return doc;
}

void merge_go_suite(nlohmann::json& doc, const nlohmann::json& go) {
  if (go.contains("skipped")) {
    doc["context"]["bench_switch"]["go"] = {{"skipped", go["skipped"]}};
    return;
  }
  for (const nlohmann::json& entry : go["benchmarks"]) doc["benchmarks"].push_back(entry);
  doc["context"]["bench_switch"]["go"] = go["context"].value("bench_switch", nlohmann::json::object());
}

}  // namespace bench_switch
