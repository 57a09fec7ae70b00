#include "summaries.hpp"

#include <map>

namespace bench_switch {

namespace {
using SummaryMaker = std::function<nlohmann::json(const nlohmann::json&, const std::vector<ReportedRun>&)>;
std::map<std::string, SummaryMaker>& summary_makers() {
  static std::map<std::string, SummaryMaker> m;
  return m;
}
}  // namespace

void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json&)> make) {
  summary_makers()[name] = [make = std::move(make)](const nlohmann::json& b, const std::vector<ReportedRun>&) { return make(b); };
}

void add_repetitions_summary(const std::string& name, std::function<nlohmann::json(const std::vector<ReportedRun>&)> make) {
  summary_makers()[name] = [make = std::move(make)](const nlohmann::json&, const std::vector<ReportedRun>& r) { return make(r); };
}

nlohmann::json summaries(const nlohmann::json& benchmarks, const std::vector<ReportedRun>& repetitions) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, make] : summary_makers()) {
    // A summary that cannot read its entries (a figure written null) says so; it never costs the
    // run its results file.
    try {
      nlohmann::json s = make(benchmarks, repetitions);
      if (!s.is_null() && !s.empty()) out[name] = std::move(s);
    } catch (const nlohmann::json::exception& e) {
      out[name] = {{"error", e.what()}};
    }
  }
  return out;
}

}  // namespace bench_switch
