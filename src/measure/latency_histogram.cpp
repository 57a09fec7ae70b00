#include "measure/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace bench_switch {

std::size_t LatencyHistogram::bucket_of(double ns) {
  if (!(ns >= 1)) return 0;
  int exponent = 0;
  const double mantissa = std::frexp(ns, &exponent);  // ns = mantissa · 2^exponent, mantissa in [0.5, 1)
  const int octave = exponent - 1;                    // ns in [2^octave, 2^(octave+1))
  if (octave >= kOctaves) return kBuckets - 1;
  const auto sub = static_cast<std::size_t>((2 * mantissa - 1) * kSubBuckets);
  return 1 + static_cast<std::size_t>(octave) * kSubBuckets + std::min<std::size_t>(sub, kSubBuckets - 1);
}

double LatencyHistogram::bucket_lo(std::size_t i) {
  if (i == 0) return 0;
  if (i >= kBuckets - 1) return std::ldexp(1.0, kOctaves);
  const std::size_t octave = (i - 1) / kSubBuckets, sub = (i - 1) % kSubBuckets;
  return std::ldexp(1.0 + static_cast<double>(sub) / kSubBuckets, static_cast<int>(octave));
}

double LatencyHistogram::bucket_hi(std::size_t i) {
  return i >= kBuckets - 1 ? std::numeric_limits<double>::infinity() : bucket_lo(i + 1);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
}

double LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  if (rank == 1) return min_;  // the smallest and the largest sample are known exactly
  if (rank >= count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const double lo = std::max(bucket_lo(i), min_), hi = std::min(bucket_hi(i), max_);
    return std::clamp((lo + hi) / 2, min_, max_);
  }
  return max_;
}

nlohmann::json LatencyHistogram::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (counts_[i] == 0) continue;
    out.push_back({std::max(bucket_lo(i), min_), std::min(bucket_hi(i), max_), counts_[i]});
  }
  return out;
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& buckets) {
  LatencyHistogram h;
  if (!buckets.is_array()) throw std::invalid_argument("a latency histogram is an array of [lo_ns, hi_ns, count]");
  for (const auto& b : buckets) {
    if (!b.is_array() || b.size() != 3) throw std::invalid_argument("a histogram bucket is [lo_ns, hi_ns, count]");
    const double lo = b[0].get<double>(), hi = b[1].get<double>();
    const auto n = b[2].get<std::uint64_t>();
    if (n == 0 || hi < lo) continue;
    // The midpoint lies inside the bucket even where to_json clipped it to the minimum or maximum.
    h.counts_[bucket_of((lo + hi) / 2)] += n;
    if (h.count_ == 0 || lo < h.min_) h.min_ = lo;
    if (h.count_ == 0 || hi > h.max_) h.max_ = hi;
    h.count_ += n;
  }
  return h;
}

}  // namespace bench_switch
