#include "measure/median_estimate.hpp"

#include <algorithm>
#include <cmath>

namespace bench_switch {

namespace {
double median_in_place(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

Estimate median_of(std::vector<double> samples) {
  if (samples.empty()) return {NAN, NAN};
  const double median = median_in_place(samples);
  if (samples.size() < 3) return {median, NAN};
  std::vector<double> deviations;
  for (const double x : samples) deviations.push_back(std::fabs(x - median));
  const double sd = 1.4826 * median_in_place(deviations);  // the normal distribution's sd from its MAD
  return {median, 2 * 1.2533 * sd / std::sqrt(static_cast<double>(samples.size()))};
}

// NaN compares false: too few samples leaves a figure unresolved.
bool resolved(const Estimate& e) { return std::fabs(e.value) > e.uncertainty; }

}  // namespace bench_switch
