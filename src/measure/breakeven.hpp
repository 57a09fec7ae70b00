// The break-even granularity: the least work per switch at which switching costs at most a given
// share of the time.
#pragma once
#include <optional>
#include <utility>
#include <vector>

namespace bench_switch {

// `points` are (W, efficiency) pairs of a sweep, in any order. Returns the smallest W at which the
// efficiency reaches `target`, interpolated linearly in log W between the last point below the
// target and the first at or above it (from there on, as the sweep is measured, not assumed to
// stay above); the first point itself when it already reaches the target; nothing when none does.
std::optional<double> breakeven_w(std::vector<std::pair<double, double>> points, double target);

}  // namespace bench_switch
