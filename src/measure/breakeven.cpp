#include "measure/breakeven.hpp"

#include <algorithm>
#include <cmath>

namespace bench_switch {

std::optional<double> breakeven_w(std::vector<std::pair<double, double>> points, double target) {
  std::sort(points.begin(), points.end());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto [w, eff] = points[i];
    if (eff < target) continue;
    if (i == 0) return w;
    const auto [w0, eff0] = points[i - 1];
    // Efficiency is close to linear in log W across one step of a log sweep.
    const double f = (target - eff0) / (eff - eff0);
    return std::exp(std::log(w0) + f * (std::log(w) - std::log(w0)));
  }
  return std::nullopt;
}

}  // namespace bench_switch
