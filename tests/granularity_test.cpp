// The calibrated work is repeatable and the break-even point is read off a sweep correctly.
#include <gtest/gtest.h>

#include <cmath>

#include "measure/breakeven.hpp"
#include "measure/work.hpp"

namespace bench_switch {
namespace {

TEST(Work, TheSameWGivesTheSameWorkCount) {
  const std::uint64_t units = spin_units_for_ns(1000);
  EXPECT_GT(units, 0u);
  EXPECT_EQ(spin_units_for_ns(1000), units) << "calibrated once per run";
  EXPECT_EQ(spin_work(units), spin_work(units)) << "the same steps, the same result";
  EXPECT_NE(spin_work(units), spin_work(units + 1)) << "every step is done, none folded away";
  EXPECT_EQ(spin_units_for_ns(0), 0u);
}

TEST(Work, AloneCostsNothingWhenEmptyAndSomethingOtherwise) {
  EXPECT_EQ(work_alone_ns(Work{}), 0.0);
  EXPECT_GT(work_alone_ns(Work{1000, 0}), 0.0);
  EXPECT_GT(work_alone_ns(Work{0, 4096}), 0.0);
}

TEST(Breakeven, InterpolatesInLogWBetweenTheBracketingPoints) {
  const std::vector<std::pair<double, double>> sweep = {{1000, 0.95}, {10, 0.5}, {100, 0.85}};
  const auto w90 = breakeven_w(sweep, 0.90);
  ASSERT_TRUE(w90);
  // Halfway from 0.85 to 0.95 is halfway from log 100 to log 1000.
  EXPECT_NEAR(*w90, std::sqrt(100.0 * 1000.0), 1e-6);
}

TEST(Breakeven, FirstPointWhenAlreadyThereNothingWhenNeverReached) {
  EXPECT_EQ(breakeven_w({{10, 0.99}, {100, 1.0}}, 0.90).value(), 10.0);
  EXPECT_FALSE(breakeven_w({{10, 0.1}, {100, 0.5}}, 0.90));
  EXPECT_FALSE(breakeven_w({}, 0.90));
}

TEST(Breakeven, TheFirstCrossingCountsNotALaterDip) {
  const auto w = breakeven_w({{10, 0.5}, {100, 0.95}, {1000, 0.89}, {10000, 0.99}}, 0.90);
  ASSERT_TRUE(w);
  EXPECT_LT(*w, 100.0);
}

}  // namespace
}  // namespace bench_switch
