// The latency histogram: its buckets' bounds and their width, what lies outside 1 ns to 1 s,
// merging, percentiles against a sorted reference on random data, and its compact JSON.
#include "measure/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace bench_switch {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogram, BucketsTileOneNsToOneSecondEachAtMostOnePercentWide) {
  EXPECT_EQ(H::bucket_lo(0), 0.0);
  EXPECT_EQ(H::bucket_hi(0), 1.0);
  EXPECT_GE(H::bucket_lo(H::kBuckets - 1), 1e9) << "the last ordinary bucket reaches past 1 s";
  EXPECT_TRUE(std::isinf(H::bucket_hi(H::kBuckets - 1)));
  for (std::size_t i = 1; i + 1 < H::kBuckets; ++i) {
    const double lo = H::bucket_lo(i), hi = H::bucket_hi(i);
    ASSERT_GT(hi, lo) << i;
    ASSERT_EQ(hi, H::bucket_lo(i + 1)) << "no gap and no overlap after bucket " << i;
    ASSERT_LE((hi - lo) / lo, 0.01) << i;
    ASSERT_EQ(H::bucket_of(lo), i) << "a bucket holds its lower bound";
    ASSERT_EQ(H::bucket_of(std::nextafter(hi, 0.0)), i) << "and everything below its upper bound";
  }
}

TEST(LatencyHistogram, RandomValuesLandInABucketThatEnclosesThem) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> log10_ns(0, 9);
  for (int k = 0; k < 100000; ++k) {
    const double v = std::pow(10.0, log10_ns(rng));
    const std::size_t i = H::bucket_of(v);
    ASSERT_LE(H::bucket_lo(i), v);
    ASSERT_LT(v, H::bucket_hi(i));
  }
}

TEST(LatencyHistogram, ValuesBelowOneNsAndAboveOneSecondAreKeptAtTheEnds) {
  H h;
  h.record(0.25);
  h.record(-3);  // a sample below the stamp's own cost: counted as 0
  h.record(2e9);
  h.record(5e10);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.in_bucket(0), 2u);
  EXPECT_EQ(h.in_bucket(H::kBuckets - 1), 2u);
  EXPECT_EQ(h.min(), 0.0);
  EXPECT_EQ(h.max(), 5e10);
  EXPECT_EQ(h.percentile(1), 5e10);
  EXPECT_EQ(h.percentile(0), 0.0);
  EXPECT_LE(h.percentile(0.5), 1.0);
  EXPECT_GE(h.percentile(0.75), 2e9);
}

TEST(LatencyHistogram, AnEmptyOneSaysZero) {
  const H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0.0);
  EXPECT_TRUE(h.to_json().empty());
}

// The ceil(q·n)-th smallest value, as percentile() defines it.
double reference(const std::vector<double>& sorted, double q) {
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

std::vector<double> bimodal(std::size_t n, std::uint64_t seed) {
  // Like an unpinned handoff: most near 1.1 µs, some near 35 µs, a few ms-long stragglers.
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> fast(std::log(1100.0), 0.1), slow(std::log(35000.0), 0.3), late(std::log(4e6), 0.5);
  std::uniform_real_distribution<double> which(0, 1);
  std::vector<double> v(n);
  for (double& x : v) {
    const double w = which(rng);
    x = w < 0.7 ? fast(rng) : w < 0.995 ? slow(rng) : late(rng);
  }
  return v;
}

TEST(LatencyHistogram, PercentilesAreWithinOnePercentOfASortedReference) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    std::vector<double> values = bimodal(20000 + 7 * seed, seed);
    H h;
    for (const double v : values) h.record(v);
    std::sort(values.begin(), values.end());
    EXPECT_EQ(h.min(), values.front());
    EXPECT_EQ(h.max(), values.back());
    double previous = 0;
    for (const double q : {0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
      const double got = h.percentile(q), want = reference(values, q);
      EXPECT_LE(std::abs(got - want), 0.01 * want) << "q=" << q << " seed=" << seed;
      EXPECT_GE(got, previous) << "percentiles never decrease";
      previous = got;
    }
  }
}

TEST(LatencyHistogram, MergingTwoSidesGivesTheHistogramOfAll) {
  const std::vector<double> values = bimodal(10001, 9);
  H all, a, b, empty;
  for (std::size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    (i % 3 == 0 ? a : b).record(values[i]);
  }
  H merged = a;
  merged.merge(b);
  merged.merge(empty);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  for (std::size_t i = 0; i < H::kBuckets; ++i) ASSERT_EQ(merged.in_bucket(i), all.in_bucket(i)) << i;
  H into_empty;
  into_empty.merge(a);
  EXPECT_EQ(into_empty.min(), a.min());
  EXPECT_EQ(into_empty.max(), a.max());
  merged.clear();
  EXPECT_EQ(merged.count(), 0u);
  EXPECT_TRUE(merged.to_json().empty());
}

TEST(LatencyHistogram, CompactJsonHoldsTheNonEmptyBucketsInOrderAndReadsBack) {
  H h;
  for (const double v : bimodal(5000, 4)) h.record(v);
  h.record(0.5);
  h.record(3e9);
  const nlohmann::json j = h.to_json();
  std::uint64_t total = 0;
  double last_hi = -1;
  for (const auto& b : j) {
    ASSERT_EQ(b.size(), 3u);
    EXPECT_GT(b[2].get<std::uint64_t>(), 0u);
    EXPECT_GE(b[0].get<double>(), last_hi) << "ascending, not overlapping";
    EXPECT_LE(b[0].get<double>(), b[1].get<double>());
    last_hi = b[1].get<double>();
    total += b[2].get<std::uint64_t>();
  }
  EXPECT_EQ(total, h.count());
  EXPECT_EQ(j.front()[0].get<double>(), h.min()) << "the first bucket starts at the minimum";
  EXPECT_EQ(j.back()[1].get<double>(), h.max()) << "the last ends at the maximum (no infinite bound)";
  const H back = H::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.min(), h.min());
  EXPECT_EQ(back.max(), h.max());
  for (std::size_t i = 0; i < H::kBuckets; ++i) ASSERT_EQ(back.in_bucket(i), h.in_bucket(i)) << i;
  EXPECT_THROW(H::from_json(nlohmann::json::object()), std::invalid_argument);
  EXPECT_THROW(H::from_json(nlohmann::json::parse("[[1, 2]]")), std::invalid_argument);
}

}  // namespace
}  // namespace bench_switch
