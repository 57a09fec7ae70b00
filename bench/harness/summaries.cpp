#include "summaries.hpp"

#include <map>

namespace bench_switch {

namespace {
std::map<std::string, std::function<nlohmann::json(const nlohmann::json&)>>& summary_makers() {
  static std::map<std::string, std::function<nlohmann::json(const nlohmann::json&)>> m;
  return m;
}
}  // namespace

void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json&)> make) {
  summary_makers()[name] = std::move(make);
}

nlohmann::json summaries(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, make] : summary_makers()) {
    // A summary that cannot read its entries (a figure written null) says so; it never costs the
    // run its results file.
    try {
      nlohmann::json s = make(benchmarks);
      if (!s.is_null() && !s.empty()) out[name] = std::move(s);
    } catch (const nlohmann::json::exception& e) {
      out[name] = {{"error", e.what()}};
    }
  }
  return out;
}

}  // namespace bench_switch
