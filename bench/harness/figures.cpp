#include "figures.hpp"

#include <cmath>

namespace bench_switch {

const nlohmann::json* aggregate_of(const nlohmann::json& doc, const std::string& name, const std::string& aggregate) {
  for (const auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "") != "aggregate" || b.value("aggregate_name", "") != aggregate) continue;
    const std::string run = b.value("run_name", "");
    // Registered names gain Google Benchmark's suffixes (/manual_time, /repeats:N, ...).
    if (run == name || run.rfind(name + "/", 0) == 0) return &b;
  }
  return nullptr;
}

FigureRatio ratio_of(const Figure& a, const Figure& b) {
  const double r = a.median / b.median, spread = std::hypot(a.relative(), b.relative());
  return {r, spread, std::abs(r - 1) > 2 * spread * r};
}

std::optional<Figure> figure_of(const nlohmann::json& doc, const std::string& name) {
  const nlohmann::json* median = aggregate_of(doc, name, "median");
  const nlohmann::json* stddev = aggregate_of(doc, name, "stddev");
  if (median == nullptr || stddev == nullptr || median->value("time_unit", "ns") != "ns") return std::nullopt;
  return Figure{median->value("real_time", 0.0), stddev->value("real_time", 0.0)};
}

}  // namespace bench_switch
