// bench_switch's command line: its own options (CLI11), each checked for type and range where it
// is read, and the Google Benchmark flags it passes through, refused when bench_switch cannot
// honour them. Bad input is one line and exit 2 (usage_error).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace bench_switch {

struct Options {
  std::string json_path = "bench_switch.json";
  bool help = false;
  bool list_only = false;  // --benchmark_list_tests: names only, nothing measured or written
  bool quick = false;
  bool with_python = false;
  bool with_go = false;
  int repetitions = 0;          // --repetitions; 0: the mode's and the families' own
  std::string list;             // --list[=json]: "text" or "json", print the catalogue and exit
  bool topology = false;        // --topology: print and exit
  std::string synthetic;        // --topology=DESCRIPTION
  std::string c2c_cpus;         // --c2c-cpus
  double c2c_budget_s = 0;      // --c2c-budget; 0: the mode's default
  std::string count_mechanism;  // --count-instructions
  std::uint64_t count_rounds = 0;
  std::vector<std::string> passthrough;  // --benchmark_* flags, for Google Benchmark
};

// The bounds the options are checked against (the tests name them).
inline constexpr std::uint64_t kMaxCountRounds = 1'000'000'000;  // instruction_gate.py counts 10,000
inline constexpr int kMaxRepetitions = 1000;
inline constexpr double kMaxSeconds = 3600;                      // any one time budget
inline constexpr std::uint64_t kMaxSyntheticPus = 1024;          // the largest machines; pair choice slows fast beyond

// "bench_switch: MESSAGE (see --help)" on standard error, exit 2.
[[noreturn]] void usage_error(const std::string& message);

Options parse_options(int argc, char** argv);

// "" when hwloc may be asked to build this synthetic description: its levels' product (the PUs)
// within kMaxSyntheticPus, so that a typo of a few digits is refused before it costs gigabytes.
std::string synthetic_too_big(const std::string& description);

// "" when the HWLOC_XMLFILE / HWLOC_SYNTHETIC variables are unset or name a topology hwloc can
// build; else why not (hwloc itself would silently fall back to this machine).
std::string unusable_hwloc_environment();

}  // namespace bench_switch
