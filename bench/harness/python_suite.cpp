#include "python_suite.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "options.hpp"
#include "stop_signals.hpp"

namespace bench_switch {

nlohmann::json run_python_suite(bool quick, bool quiet_stdout) {
  namespace fs = std::filesystem;
  const std::string out = (fs::temp_directory_path() / fmt::format("bench_switch_python_{}.json", getpid())).string();
  std::vector<std::string> argv = {BENCH_SWITCH_PYTHON, BENCH_SWITCH_SOURCE_DIR "/scripts/bench_python.py", "--json", out};
  if (quick) argv.push_back("--quick");
  if (!fs::exists(argv[0]) || !fs::exists(argv[1]))
    usage_error(fmt::format("--with-python needs {} and {}", argv[0], argv[1]));
  const int status = run_command(argv, quiet_stdout);
  std::ifstream in(out);
  nlohmann::json doc = status == 0 && in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  fs::remove(out);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("benchmarks")) {
    park_if_stopping();  // killed by the stop: the stopping thread says so and exits
    std::fprintf(stderr, "bench_switch: the Python suite failed (exit %d); nothing written\n", status);
    std::exit(1);
  }
  return doc;
}

void merge_python_suite(nlohmann::json& doc, const nlohmann::json& python) {
  for (const nlohmann::json& entry : python["benchmarks"]) doc["benchmarks"].push_back(entry);
  doc["context"]["bench_switch"]["python"] = python["context"].value("bench_switch", nlohmann::json::object());
}

}  // namespace bench_switch
