// What a run found on this machine: one sentence with its numbers, computed from the run's own
// figures, never written in advance.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bench_switch {

// `find` gets the completed document (benchmarks, summaries, context) and returns nothing when the
// run lacks the figures it needs (a filtered run). A finding whose figures are not resolved says
// so, and what could not be resolved, instead of a number.
struct Finding {
  std::string text;
  std::vector<std::string> benchmarks;  // the benchmarks it rests on
  bool resolved = true;
};
void add_finding(const std::string& name, std::function<std::optional<Finding>(const nlohmann::json& doc)> find);
// summaries.findings: [{name, text, benchmarks, resolved}], in the order the families registered them.
nlohmann::json findings(const nlohmann::json& doc);

}  // namespace bench_switch
