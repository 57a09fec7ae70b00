#include "measure/timeline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bench_switch {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double frac = rank - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * frac;
}

Distribution distribution_of(const std::vector<double>& values) {
  return {values.size(), percentile(values, 0.10), percentile(values, 0.50), percentile(values, 0.90)};
}

TimelineSummary GapDetector::summary() const {
  TimelineSummary s;
  s.reads = reads_;
  s.dropped = dropped_;
  s.span_ns = reads_ ? static_cast<double>(last_ns_ - first_ns_) : 0.0;
  double gap_total = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const double gap = static_cast<double>(gaps_[i].to_ns - gaps_[i].from_ns);
    s.gaps_ns.push_back(gap);
    gap_total += gap;
    // The run that ended at this gap began where the previous gap ended.
    if (i > 0) s.slices_ns.push_back(static_cast<double>(gaps_[i].from_ns - gaps_[i - 1].to_ns));
  }
  s.busy_ns = s.span_ns - gap_total;
  return s;
}

}  // namespace bench_switch
