// A log-linear histogram of latencies in ns (HdrHistogram's and fio's scheme): each power of two
// from 1 ns to 2^30 ns (1.07 s) is split into 128 equal buckets, so a bucket is at most 1/128
// (0.78 %) of its lower bound wide, whatever the magnitude. Fixed storage: nothing allocates after
// construction, so a timed loop can record into it; each task keeps its own, and they are merged
// after the run.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace bench_switch {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;                 // 128 linear buckets per power of two
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kOctaves = 30;                      // 2^0 .. 2^30 ns: 1 ns to 1.07 s
  // Bucket 0 holds values below 1 ns (a negative value, after a stamp's cost is subtracted, counts
  // as 0); the last bucket holds values from 2^30 ns up.
  static constexpr std::size_t kBuckets = 1 + kOctaves * kSubBuckets + 1;

  void record(double ns) {
    if (!(ns > 0)) ns = 0;  // also NaN
    ++counts_[bucket_of(ns)];
    if (count_ == 0 || ns < min_) min_ = ns;
    if (count_ == 0 || ns > max_) max_ = ns;
    ++count_;
  }
  void merge(const LatencyHistogram& other);
  void clear() {
    if (count_ == 0) return;
    counts_.fill(0);
    count_ = 0, min_ = 0, max_ = 0;
  }

  std::uint64_t count() const { return count_; }
  double min() const { return min_; }  // 0 when empty, as max
  double max() const { return max_; }
  // The value at quantile q (0..1), the ceil(q·count)-th smallest sample: exactly min or max for
  // the first and the last, else the midpoint of the bucket that holds it, clamped to [min, max]
  // (at most half a bucket, 0.4 %, from the sample). 0 when empty.
  double percentile(double q) const;

  static std::size_t bucket_of(double ns);
  static double bucket_lo(std::size_t i);
  static double bucket_hi(std::size_t i);  // the last bucket's is infinite
  std::uint64_t in_bucket(std::size_t i) const { return counts_[i]; }

  // The compact form docs/JSON.md describes: [[lo_ns, hi_ns, count], ...], the non-empty buckets
  // in ascending order, the first starting at the minimum and the last ending at the maximum (so
  // that min and max survive, and no bound is infinite). from_json reads what to_json wrote.
  nlohmann::json to_json() const;
  static LatencyHistogram from_json(const nlohmann::json& buckets);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  double min_ = 0, max_ = 0;
};

}  // namespace bench_switch
