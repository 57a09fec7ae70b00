#include "budgets.hpp"

#include <regex>
#include <string>
#include <vector>

namespace bench_switch {

namespace {
std::vector<benchmark::internal::Benchmark*>& fixed_budget_benchmarks() {
  static std::vector<benchmark::internal::Benchmark*> b;
  return b;
}
std::vector<benchmark::internal::Benchmark*>& budgeted_benchmarks() {
  static std::vector<benchmark::internal::Benchmark*> b;
  return b;
}
}  // namespace

benchmark::internal::Benchmark* fixed_budget(benchmark::internal::Benchmark* b, int repetitions, double min_time_s) {
  fixed_budget_benchmarks().push_back(b);
  return b->Repetitions(repetitions)->MinTime(min_time_s);
}

void shrink_fixed_budgets(int repetitions, double min_time_s) {
  for (auto* b : fixed_budget_benchmarks()) b->Repetitions(repetitions)->MinTime(min_time_s);
}

void track_budget(benchmark::internal::Benchmark* b) { budgeted_benchmarks().push_back(b); }

void set_repetitions_everywhere(int repetitions) {
  for (auto* b : budgeted_benchmarks()) b->Repetitions(repetitions);
}

void budget_into_fields(nlohmann::json& entry) {
  static const std::regex budget(R"(/(min_time|repeats|iterations):([0-9.]+)(?=/|$))");
  nlohmann::json fields = {{"min_time_s", nullptr}, {"iterations", nullptr}, {"repetitions", entry.value("repetitions", 0)}};
  for (const char* key : {"name", "run_name"}) {
    if (!entry.contains(key) || !entry[key].is_string()) continue;
    const std::string name = entry[key];
    for (std::sregex_iterator m(name.begin(), name.end(), budget), end; m != end; ++m) {
      if ((*m)[1] == "min_time") fields["min_time_s"] = std::stod((*m)[2]);
      if ((*m)[1] == "iterations") fields["iterations"] = std::stoll((*m)[2]);
    }
    entry[key] = std::regex_replace(name, budget, "");
  }
  entry["budget"] = fields;
}

}  // namespace bench_switch
