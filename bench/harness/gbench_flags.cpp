#include "gbench_flags.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "budgets.hpp"
#include "quick_set.hpp"

namespace bench_switch {

void initialize_google_benchmark(const Options& options, const char* program) {
  std::vector<std::string> args = {program, "--benchmark_repetitions=5", "--benchmark_min_time=0.03"};
  if (options.quick) {
    // 5 repetitions: with 3 against 3, a rank test cannot reach p < 0.05 whatever the data.
    args = {program, "--benchmark_repetitions=5", "--benchmark_min_time=0.01", "--benchmark_filter=" + quick_filter()};
    shrink_fixed_budgets(5, 0.005);
  }
  if (options.repetitions > 0) {
    args.push_back(fmt::format("--benchmark_repetitions={}", options.repetitions));
    set_repetitions_everywhere(options.repetitions);
  }
  args.insert(args.end(), options.passthrough.begin(), options.passthrough.end());
  // Google Benchmark keeps pointers into its argv: the strings live as long as the program.
  static std::vector<std::string> kept;
  kept = std::move(args);
  std::vector<char*> cargs;
  for (auto& a : kept) cargs.push_back(a.data());
  int n = static_cast<int>(cargs.size());
  benchmark::Initialize(&n, cargs.data());
  if (n > 1) usage_error(fmt::format("bad Google Benchmark flag '{}'", cargs[1]));
}

}  // namespace bench_switch
