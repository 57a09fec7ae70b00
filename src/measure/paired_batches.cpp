#include "measure/paired_batches.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bench_switch {

MedianInterval median_interval(std::vector<double> values) {
  MedianInterval m;
  m.n = values.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (values.empty()) return m.median = m.lo = m.hi = nan, m;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  m.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  if (n < 2) return m.lo = m.hi = nan, m;
  if (n < 6) {
    // The true median lies outside [min, max] only if all n values fall on one side of it.
    m.lo = values.front(), m.hi = values.back(), m.coverage = 1 - std::pow(0.5, static_cast<double>(n - 1));
    return m;
  }
  // The number of values below the true median is Binomial(n, 1/2): the ranks n/2 ∓ 0.98·√n
  // (1.96 standard deviations of that count, √n / 2 each) bound it with 95 % confidence.
  const double half_width = 0.98 * std::sqrt(static_cast<double>(n));
  const auto low_rank = static_cast<std::size_t>(std::max(0.0, std::floor(static_cast<double>(n) / 2 - half_width)));
  const auto high_rank = std::min(n - 1, static_cast<std::size_t>(std::ceil(static_cast<double>(n) / 2 + half_width)));
  m.lo = values[low_rank], m.hi = values[high_rank], m.coverage = 0.95;
  return m;
}

Estimate estimate_of(const MedianInterval& m) {
  if (!m.has_interval()) return {m.median, std::numeric_limits<double>::quiet_NaN()};
  return {m.median, std::max(m.hi - m.median, m.median - m.lo)};
}

// NaN compares false: too few values leave a figure unresolved.
bool resolved(const Estimate& e) { return std::fabs(e.value) > e.uncertainty; }

Estimate over_control_beyond_aa(const std::vector<double>& over_control_reps, const Estimate& aa) {
  Estimate over = estimate_of(median_interval(over_control_reps));
  over.uncertainty = std::hypot(over.uncertainty, std::fabs(aa.value) + aa.uncertainty);
  return over;
}

void PairedBatches::add(double switched_ns, double control_ns, double switches) {
  ratio_.push_back(control_ns / switched_ns);
  extra_.push_back((switched_ns - control_ns) / switches);
  control_total_ += control_ns;
  switches_ += switches;
}

}  // namespace bench_switch
