// A figure from its repetitions (measure/paired_batches.hpp): the median's interval, its coverage,
// and resolved only beyond its noise.
#include <gtest/gtest.h>

#include "measure/paired_batches.hpp"

namespace bench_switch {
namespace {

// The penalty arithmetic of the fpenv family, on made-up repetitions.
TEST(RepetitionEstimate, AFewRepetitionsGiveTheirRangeAndItsCoverage) {
  const MedianInterval m = median_interval({3, 1, 2, 4, 100});
  EXPECT_DOUBLE_EQ(m.median, 3) << "the outlier does not move it";
  EXPECT_DOUBLE_EQ(m.lo, 1);
  EXPECT_DOUBLE_EQ(m.hi, 100);
  EXPECT_DOUBLE_EQ(m.coverage, 1 - 1.0 / 16) << "5 values: outside [min, max] only if all five fall on one side";
  EXPECT_DOUBLE_EQ(estimate_of(m).uncertainty, 97) << "the larger distance to the interval's ends";
}

TEST(RepetitionEstimate, IsResolvedOnlyBeyondItsNoise) {
  EXPECT_TRUE(resolved(estimate_of(median_interval({50, 51, 49, 52, 48}))));
  // The repetitions of the reference run that read a "negative penalty" with the MAD: they straddle zero.
  EXPECT_FALSE(resolved(estimate_of(median_interval({1.9, -5.03, 4.51, -4.68, -3.48}))));
  EXPECT_FALSE(resolved(estimate_of(median_interval({50})))) << "one repetition, no uncertainty";
}

}  // namespace
}  // namespace bench_switch
