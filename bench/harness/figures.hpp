// A benchmark's headline figure as findings read it, and the one rule a ratio of two is judged by.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bench_switch {

// A benchmark's aggregate entry (`median`, `stddev`, ...) by its registered name, or nullptr.
const nlohmann::json* aggregate_of(const nlohmann::json& doc, const std::string& name, const std::string& aggregate);
// A benchmark's headline figure (real_time, ns) over its repetitions: median and stddev. Nothing
// when it was not measured (filtered out, skipped, failed) or had fewer than two repetitions.
struct Figure {
  double median = 0, stddev = 0;
  double relative() const { return stddev / median; }
};
std::optional<Figure> figure_of(const nlohmann::json& doc, const std::string& name);
// a / b, its relative spread (the two figures' relative stddevs in quadrature), and whether it
// differs from 1 by more than twice that spread: the one rule every finding's ratio is judged by.
struct FigureRatio {
  double value = 0, spread = 0;
  bool resolved = false;
};
FigureRatio ratio_of(const Figure& a, const Figure& b);

}  // namespace bench_switch
