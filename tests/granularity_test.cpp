// The calibrated work is repeatable, and the statistics of a control measured batch against batch are right.
#include <gtest/gtest.h>

#include <cmath>

#include "measure/no_switch_control.hpp"
#include "measure/paired_batches.hpp"
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

TEST(MedianInterval, TheMedianAndOrderStatisticsAroundIt) {
  std::vector<double> values;
  for (int i = 100; i >= 1; --i) values.push_back(i);  // any order
  const MedianInterval m = median_interval(values);
  EXPECT_EQ(m.n, 100u);
  EXPECT_DOUBLE_EQ(m.median, 50.5);
  // Ranks 50 ∓ 9.8: the 41st and the 61st smallest (0-based 40 and 60).
  EXPECT_DOUBLE_EQ(m.lo, 41);
  EXPECT_DOUBLE_EQ(m.hi, 61);
  EXPECT_TRUE(m.above(40) && !m.above(41) && m.below(62));
}

TEST(MedianInterval, AnOutlierMovesNeitherTheMedianNorTheInterval) {
  std::vector<double> values(20, 1.0);
  const MedianInterval calm = median_interval(values);
  values[3] = 1000;  // a batch the machine interrupted
  const MedianInterval disturbed = median_interval(values);
  EXPECT_EQ(disturbed.median, calm.median);
  EXPECT_EQ(disturbed.hi, calm.hi);
}

TEST(MedianInterval, OneValueGivesNoInterval) {
  const MedianInterval m = median_interval({7});
  EXPECT_DOUBLE_EQ(m.median, 7);
  EXPECT_FALSE(m.has_interval());
  EXPECT_FALSE(m.above(0)) << "no interval: nothing is resolved";
  EXPECT_TRUE(std::isnan(m.lo));
  EXPECT_DOUBLE_EQ(median_interval(std::vector<double>(100, 1.0)).coverage, 0.95);
}

TEST(PairedBatches, RatioAndExtraArePerPair) {
  PairedBatches p;
  p.add(/*switched*/ 200, /*control*/ 100, /*switches*/ 10);
  p.add(400, 300, 10);
  EXPECT_EQ(p.pairs(), 2u);
  EXPECT_DOUBLE_EQ(p.ratio().median, (0.5 + 0.75) / 2);
  EXPECT_DOUBLE_EQ(p.extra_ns_per_switch().median, 10);
  EXPECT_DOUBLE_EQ(p.control_ns_per_switch(), 400.0 / 20);
}

TEST(NoSwitchControl, DoesBothSidesWorkPerRoundTripInOneTask) {
  NoSwitchControl control(Work{100, 4096}, nullptr);
  control.run(7);
  EXPECT_EQ(control.tally().measuring_received, 7u);
  EXPECT_EQ(control.tasks().size(), 1u) << "one task: no switch";
}

}  // namespace
}  // namespace bench_switch
