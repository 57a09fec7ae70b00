// A figure derived across results (a break-even point, an observed time slice), under
// summaries[name]. Two kinds, by what they read:
// - add_summary: the run's "benchmarks" array as the reporter built it in memory (fields and
//   attachments merged, the aggregates of a failed benchmark dropped), for a summary over its own
//   family's entries, their intervals and histograms;
// - add_repetitions_summary: the repetitions, typed (reported_run.hpp), for a summary that takes
//   another family's figures.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reported_run.hpp"

namespace bench_switch {

void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json& benchmarks)> make);
void add_repetitions_summary(const std::string& name,
                             std::function<nlohmann::json(const std::vector<ReportedRun>& repetitions)> make);
nlohmann::json summaries(const nlohmann::json& benchmarks, const std::vector<ReportedRun>& repetitions);

}  // namespace bench_switch
