#include "run_entry.hpp"

#include <cmath>
#include <regex>

namespace bench_switch {

namespace {
using Run = benchmark::BenchmarkReporter::Run;

nlohmann::json finite_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

const char* time_unit_name(benchmark::TimeUnit unit) {
  switch (unit) {
    case benchmark::kSecond: return "s";
    case benchmark::kMillisecond: return "ms";
    case benchmark::kMicrosecond: return "us";
    case benchmark::kNanosecond: return "ns";
  }
  return "ns";
}

// The times, as JSONReporter writes them: per iteration in the run's unit, except an aggregate in
// percent (the cv), whose value is kept as it is; a complexity fit's coefficients or its rms.
void put_times(nlohmann::json& e, const Run& run) {
  if (run.report_big_o) {
    e["cpu_coefficient"] = finite_or_null(run.GetAdjustedCPUTime());
    e["real_coefficient"] = finite_or_null(run.GetAdjustedRealTime());
    e["time_unit"] = time_unit_name(run.time_unit);
    return;  // the fit's name (big_o) is Google Benchmark's internal; bench_switch fits none
  }
  if (run.report_rms) {
    e["rms"] = finite_or_null(run.GetAdjustedCPUTime());
    return;
  }
  e["iterations"] = run.iterations;
  const bool percent = run.run_type == Run::RT_Aggregate && run.aggregate_unit == benchmark::kPercentage;
  e["real_time"] = finite_or_null(percent ? run.real_accumulated_time : run.GetAdjustedRealTime());
  e["cpu_time"] = finite_or_null(percent ? run.cpu_accumulated_time : run.GetAdjustedCPUTime());
  e["time_unit"] = time_unit_name(run.time_unit);
}
}  // namespace

nlohmann::json gbench_entry(const Run& run) {
  const bool aggregate = run.run_type == Run::RT_Aggregate;
  nlohmann::json e = {{"name", run.benchmark_name()},
                      {"family_index", run.family_index},
                      {"per_family_instance_index", run.per_family_instance_index},
                      {"run_name", run.run_name.str()},
                      {"run_type", aggregate ? "aggregate" : "iteration"},
                      {"repetitions", run.repetitions},
                      {"threads", run.threads}};
  if (!aggregate) e["repetition_index"] = run.repetition_index;
  if (aggregate) {
    e["aggregate_name"] = run.aggregate_name;
    e["aggregate_unit"] = run.aggregate_unit == benchmark::kPercentage ? "percentage" : "time";
  }
  if (run.error_occurred) {
    e["error_occurred"] = true;
    e["error_message"] = run.error_message;
  }
  put_times(e, run);
  for (const auto& [name, counter] : run.counters) e[name] = finite_or_null(counter.value);
  if (run.memory_result != nullptr) {
    e["allocs_per_iter"] = finite_or_null(run.allocs_per_iter);
    e["max_bytes_used"] = run.memory_result->max_bytes_used;
  }
  if (!run.report_label.empty()) e["label"] = run.report_label;
  return e;
}

std::string display_name(const std::string& run_name) {
  static const std::regex appended(R"(/(manual_time|real_time|min_time:[^/]*|repeats:\d+|iterations:\d+))");
  return std::regex_replace(run_name, appended, "");
}

}  // namespace bench_switch
