// A figure taken from repetitions, with the uncertainty those repetitions give it, and whether it
// is resolved or lost in their noise.
#pragma once
#include <vector>

namespace bench_switch {

// The median of the samples (the suite's headline statistic: one repetition disturbed by another
// task on a shared machine moves it little) and twice its standard error, from the median absolute
// deviation: 1.4826 * MAD estimates the standard deviation, and the median's standard error is
// 1.2533 * sd / sqrt(n). With 5 repetitions that is roughly a 90 % interval. The uncertainty is NaN
// with fewer than three samples, where a spread cannot be judged.
struct Estimate {
  double value;
  double uncertainty;
};
Estimate median_of(std::vector<double> samples);

// Larger than its own uncertainty: a figure to state; otherwise it is "unresolved", not a number.
bool resolved(const Estimate& e);

}  // namespace bench_switch
