// A control measured batch against batch with the thing it controls for: the switched loop and
// the same work with no switch, alternating, so that both see the same state of the machine (its
// frequency, its neighbours, its interruptions) and a drift between them cancels in each pair.
// Pure arithmetic, no clock: the caller feeds the batch times, so a test can feed made-up ones.
#pragma once
#include <cstddef>
#include <vector>

namespace bench_switch {

// The median of a set of values and its distribution-free confidence interval: the order
// statistics around the median that a binomial count puts the true median between, whatever the
// distribution. A batch or repetition the machine disturbed (an outlier) moves neither much, where
// it would move a mean and its standard error. From 6 values on the interval is a 95 % one (ranks
// n/2 ∓ 0.98·√n); with 2 to 5 values it is [min, max], whose coverage is only 1 − 2^(1−n)
// (94 % for 5 repetitions, 75 % for 3): `coverage` says which. One value gives no interval.
struct MedianInterval {
  std::size_t n = 0;
  double median = 0, lo = 0, hi = 0;
  double coverage = 0;
  bool has_interval() const { return n >= 2; }
  bool above(double v) const { return has_interval() && lo > v; }
  bool below(double v) const { return has_interval() && hi < v; }
};
MedianInterval median_interval(std::vector<double> values);

// The same as one "figure ± uncertainty": the median, and the larger of its two distances to the
// interval's ends (NaN without an interval).
struct Estimate {
  double value;
  double uncertainty;
};
Estimate estimate_of(const MedianInterval& m);
// Larger than its own uncertainty: a figure to state; otherwise it is "unresolved", not a number.
bool resolved(const Estimate& e);
// What a case adds over the control batches interleaved with it, over its repetitions (their
// median ± its distribution-free interval), with the largest offset the A/A allows (|its median| +
// its uncertainty: the same case against itself) added in quadrature (families fpenv and xstate).
Estimate over_control_beyond_aa(const std::vector<double>& over_control_reps, const Estimate& aa);

class PairedBatches {
 public:
  // One pair: the switched batch and its control, each `switches` switches long.
  void add(double switched_ns, double control_ns, double switches);
  // control / switched, per pair: for equal work, the share of the time that was work.
  MedianInterval ratio() const { return median_interval(ratio_); }
  // (switched − control) / switches, per pair: what a switch adds to the work.
  MedianInterval extra_ns_per_switch() const { return median_interval(extra_); }
  double control_ns_per_switch() const { return switches_ > 0 ? control_total_ / switches_ : 0; }
  std::size_t pairs() const { return ratio_.size(); }
  void reserve(std::size_t n) { ratio_.reserve(n), extra_.reserve(n); }

 private:
  std::vector<double> ratio_, extra_;
  double control_total_ = 0, switches_ = 0;
};

}  // namespace bench_switch
