#include "findings.hpp"

#include <fmt/format.h>

#include <utility>

namespace bench_switch {

namespace {
using FindingMaker = std::function<std::optional<Finding>(const nlohmann::json&)>;
std::vector<std::pair<std::string, FindingMaker>>& finding_makers() {
  static std::vector<std::pair<std::string, FindingMaker>> f;
  return f;
}

// Whether a finding rests on a family whose harness disagreed with its bare loop
// (summaries.self_check.failed_families): a benchmark of it, or the family itself.
bool rests_on_failed_family(const Finding& f, const nlohmann::json& doc) {
  const auto summaries = doc.value("summaries", nlohmann::json::object());
  const auto failed = summaries.value("self_check", nlohmann::json::object()).value("failed_families", nlohmann::json::array());
  for (const auto& family : failed)
    for (const std::string& b : f.benchmarks)
      if (b == family.get<std::string>() || b.rfind(family.get<std::string>() + "/", 0) == 0) return true;
  return false;
}
}  // namespace

void add_finding(const std::string& name, FindingMaker find) { finding_makers().emplace_back(name, std::move(find)); }

nlohmann::json findings(const nlohmann::json& doc) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, find] : finding_makers()) {
    try {
      auto f = find(doc);
      if (!f) continue;
      if (name.rfind("self_check:", 0) != 0 && rests_on_failed_family(*f, doc))
        f->text = "FAILED MEASUREMENT (its family's self-check: the harness and a bare loop disagree): " + f->text, f->resolved = false;
      out.push_back({{"name", name}, {"text", f->text}, {"benchmarks", f->benchmarks}, {"resolved", f->resolved}});
    } catch (const nlohmann::json::exception& e) {  // as for summaries: said, never fatal
      out.push_back({{"name", name}, {"text", fmt::format("not computed: {}", e.what())}, {"benchmarks", nlohmann::json::array()},
                     {"resolved", false}});
    }
  }
  return out;
}

}  // namespace bench_switch
