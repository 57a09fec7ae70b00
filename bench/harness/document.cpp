#include "document.hpp"

#include <fmt/format.h>

#include <map>

#include "catalogue.hpp"
#include "measure/system_info.hpp"
#include "registry.hpp"
#include "run_entry.hpp"
#include "run_warnings.hpp"

namespace bench_switch {

namespace {
// The benchmarks with a failed repetition, by name, with the first failure: "repetition 2 of 5:
// partner process 123 killed by signal 9 ...". A skip is not a failure.
std::map<std::string, std::string> failed_benchmarks(const nlohmann::json& benchmarks) {
  std::map<std::string, std::string> failed;
  for (const nlohmann::json& e : benchmarks) {
    const std::string message = e.value("error_message", "");
    if (e.value("run_type", "") != "iteration" || !e.value("error_occurred", false) || message.rfind("skipped:", 0) == 0) continue;
    failed.try_emplace(e.value("run_name", e.value("name", "")),
                       fmt::format("repetition {} of {}: {}", e.value("repetition_index", 0) + 1, e.value("repetitions", 1), message));
  }
  return failed;
}

// complete(): the aggregates of a benchmark with a failed repetition go.
void drop_figures_of_failed(nlohmann::json& benchmarks) {
  const auto failed = failed_benchmarks(benchmarks);
  nlohmann::json kept = nlohmann::json::array();
  for (nlohmann::json& e : benchmarks)
    if (e.value("run_type", "") != "aggregate" || !failed.count(e.value("run_name", ""))) kept.push_back(std::move(e));
  benchmarks = std::move(kept);
}

nlohmann::json failure_findings(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, why] : failed_benchmarks(benchmarks))
    out.push_back({{"name", "failed_benchmark"},
                   {"text", fmt::format("{} FAILED, no figure ({})", display_name(name), why)},
                   {"benchmarks", {name}}, {"resolved", true}});
  return out;
}

}  // namespace

nlohmann::json complete(nlohmann::json reported, const std::vector<ReportedRun>& repetitions, const RunDescription& run) {
  nlohmann::json doc = std::move(reported);
  nlohmann::json bs = system_context();
  bs["libraries"]["google_benchmark"] = BENCH_SWITCH_BENCHMARK_VERSION;
  bs["command"] = run.command;
  bs["warnings"] = run_warnings();
  bs["catalogue"] = catalogue();
  bs["mode"] = run.quick ? "quick" : "full";
  // compare.py keeps runs of different settings apart in a history, as it does quick and full.
  bs["repetitions_setting"] = run.repetitions > 0 ? nlohmann::json(run.repetitions) : nlohmann::json(nullptr);
  doc["context"]["bench_switch"] = bs;
  drop_figures_of_failed(doc["benchmarks"]);
  doc["summaries"] = summaries(doc["benchmarks"], repetitions);
  return doc;
}

void add_findings(nlohmann::json& doc) {
  doc["summaries"]["findings"] = failure_findings(doc["benchmarks"]);
  for (nlohmann::json& f : findings(doc)) doc["summaries"]["findings"].push_back(std::move(f));
}

void print_findings(std::FILE* console, const nlohmann::json& found) {
  if (found.empty()) return;
  std::fprintf(console, "\n== findings on this machine (computed from this run; summaries.findings in the JSON)\n");
  for (const nlohmann::json& f : found)
    std::fprintf(console, "  %s %s\n", f.value("resolved", false) ? "-" : "?", f.value("text", "").c_str());
}
}  // namespace bench_switch
