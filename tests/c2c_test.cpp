// The all-pairs matrix: which CPUs it spans, the order its pairs are taken in (every relation
// sampled alike when the budget runs out), and, on this machine, that each pair it promises is
// measured once with its interval and the kernel's count. No timing is asserted.
#include <gtest/gtest.h>

#include "machines.hpp"

#include <algorithm>
#include <set>

#include "experiments/c2c.hpp"
#include "measure/affinity.hpp"
#include "measure/placement_pairs.hpp"

namespace bench_switch {
namespace {

TEST(C2c, DefaultsToOnePuPerCoreAndTakesAllOrAListWithAStride) {
  const auto t = synthetic_machine("pack:2 l3:1 core:4 pu:2(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)");
  std::string error;
  EXPECT_EQ(c2c_cpus(*t, "cores", error), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7})) << "not the SMT siblings 8-15";
  EXPECT_EQ(c2c_cpus(*t, "all", error).size(), 16u);
  EXPECT_EQ(c2c_cpus(*t, "0-15:4", error), (std::vector<int>{0, 4, 8, 12}));
  EXPECT_EQ(c2c_cpus(*t, "0,2,8-9", error), (std::vector<int>{0, 2, 8, 9}));
  EXPECT_TRUE(error.empty()) << error;
}

TEST(C2c, RefusesASpecItCannotReadOrThatNamesNoAllowedCpu) {
  const auto t = synthetic_machine("pack:1 core:2 pu:1");
  for (const char* bad : {"some", "3-1", "0-1:0", "0-1:x", "0-1:2x", "1,,2", "0-", "0,", "-1", "0-1,0-1", "1,0,1", "0-2147483647"}) {
    std::string error;
    EXPECT_TRUE(c2c_cpus(*t, bad, error).empty()) << bad;
    EXPECT_NE(error.find(std::string("--c2c-cpus=") + bad), std::string::npos) << error;
  }
  std::string error;
  EXPECT_TRUE(c2c_cpus(*t, "5-9", error).empty());
  EXPECT_NE(error.find("beyond the highest this process may use, 1"), std::string::npos) << error;
  EXPECT_TRUE(c2c_cpus(*t, "1,0,1", error).empty());
  EXPECT_NE(error.find("CPU 1 is listed twice"), std::string::npos) << error;
  const auto restricted = synthetic_machine("pack:1 core:4 pu:1", {0, 3});
  error.clear();
  EXPECT_TRUE(c2c_cpus(*restricted, "1-2", error).empty());
  EXPECT_NE(error.find("none of these CPUs is allowed"), std::string::npos) << error;
}

TEST(C2c, TakesEachPairOnceAndEveryRelationInTurn) {
  const auto t = synthetic_machine("pack:2 l3:2 core:2 pu:2");  // 16 PUs: siblings, shared L3, cross L3, cross package
  const std::vector<int> cpus = t->cpus();
  const auto order = c2c_pair_order(*t, cpus, false);
  EXPECT_EQ(order.size(), 16u * 15 / 2);
  std::set<std::pair<int, int>> seen(order.begin(), order.end());
  EXPECT_EQ(seen.size(), order.size()) << "a pair twice";
  for (const auto& [a, b] : order) EXPECT_LT(std::find(cpus.begin(), cpus.end(), a), std::find(cpus.begin(), cpus.end(), b));
  // The first four pairs are one of each relation, nearest first: a budget that stops early has all four.
  std::vector<Relation> first;
  for (int i = 0; i < 4; ++i) first.push_back(t->relation(order[i].first, order[i].second));
  EXPECT_EQ(first, (std::vector<Relation>{Relation::smt_sibling, Relation::cross_cpu, Relation::cross_llc,
                                          Relation::cross_package}));
  const auto with_diagonal = c2c_pair_order(*t, cpus, true);
  EXPECT_EQ(with_diagonal.size(), order.size() + 16);
  EXPECT_EQ(t->relation(with_diagonal[0].first, with_diagonal[0].second), Relation::same_cpu);
}

TEST(C2c, MeasuresEveryPromisedPairOnThisMachine) {
  const auto& cpus = allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "one CPU: no pair";
  const Topology& t = *machine_topology();
  const std::vector<int> two = {t.cpus()[0], t.cpus()[1]};
  for (const char* name : {"thread_spin", "thread_futex"}) {
    const bool diagonal = std::string(name) == "thread_futex";
    const auto order = c2c_pair_order(t, two, diagonal);
    const C2cMatrix m = measure_c2c(*find_mechanism(name), two, order, 60);
    EXPECT_TRUE(m.failure.empty()) << m.failure;
    EXPECT_EQ(m.pairs_total, diagonal ? 3u : 1u) << name;
    EXPECT_EQ(m.pairs_measured, m.pairs_total) << name;
    ASSERT_EQ(m.cells.size(), 2u);
    EXPECT_TRUE(m.cells[0][1]) << name << ": the pair, measuring task on the first CPU";
    EXPECT_FALSE(m.cells[1][0]) << name << ": each pair is measured once";
    EXPECT_EQ(m.cells[0][0].has_value(), diagonal) << name;
    for (const auto& row : m.cells)
      for (const auto& cell : row)
        if (cell) {
          EXPECT_GT(cell->median_ns, 0);
          EXPECT_LE(cell->lo_ns, cell->median_ns);
          EXPECT_GE(cell->hi_ns, cell->median_ns);
          EXPECT_GE(cell->kernel_switches_per_switch, 0);
        }
  }
}

TEST(C2c, StopsAtItsBudgetAndSaysHowManyPairsItMeasured) {
  if (allowed_cpus().size() < 2) GTEST_SKIP() << "one CPU: no pair";
  const Topology& t = *machine_topology();
  const std::vector<int> two = {t.cpus()[0], t.cpus()[1]};
  const C2cMatrix m = measure_c2c(*find_mechanism("thread_futex"), two, c2c_pair_order(t, two, true), 0);
  EXPECT_EQ(m.pairs_total, 3u);
  EXPECT_EQ(m.pairs_measured, 0u) << "a budget of nothing measures nothing";
}

}  // namespace
}  // namespace bench_switch
