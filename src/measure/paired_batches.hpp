// A control measured batch against batch with the thing it controls for: the switched loop and
// the same work with no switch, alternating, so that both see the same state of the machine (its
// frequency, its neighbours, its interruptions) and a drift between them cancels in each pair.
// Pure arithmetic, no clock: the caller feeds the batch times, so a test can feed made-up ones.
#pragma once
#include <cstddef>
#include <vector>

namespace bench_switch {

// The median of a set of values and its distribution-free 95 % confidence interval: the order
// statistics around the median that a binomial count puts the true median between, whatever the
// distribution. A batch the machine interrupted (an outlier) moves neither much, where it would
// move a mean and its standard error. Fewer than 6 values give no interval (NaN bounds).
struct MedianInterval {
  std::size_t n = 0;
  double median = 0, lo = 0, hi = 0;
  bool has_interval() const { return n >= 6; }
  bool above(double v) const { return has_interval() && lo > v; }
  bool below(double v) const { return has_interval() && hi < v; }
};
MedianInterval median_interval(std::vector<double> values);

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
