// The pair every placement uses, and the message of every one skipped, on machines this one is
// not: nothing is pinned, the topologies are hwloc's synthetic ones and an XML export.
#include <gtest/gtest.h>

#include "machines.hpp"


#include "measure/placement_pairs.hpp"

namespace bench_switch {
namespace {

using P = PlacementKind;

void expect_pair(const Topology& t, P where, int measuring, int partner) {
  const PlacementPair chosen = choose_pair(t, where);
  ASSERT_TRUE(chosen.pair) << to_string(where) << ": " << chosen.why_not;
  EXPECT_EQ(chosen.pair->measuring, measuring) << to_string(where);
  EXPECT_EQ(chosen.pair->partner, partner) << to_string(where);
  EXPECT_TRUE(chosen.why_not.empty());
}

void expect_skip(const Topology& t, P where, const std::string& message) {
  const PlacementPair chosen = choose_pair(t, where);
  EXPECT_FALSE(chosen.pair) << to_string(where);
  EXPECT_EQ(chosen.why_not, message) << to_string(where);
}

const std::string kNoSmt = "skipped: smt_sibling needs two PUs of one core, and no allowed core here has two (no SMT, "
                           "SMT off, or a cpuset that leaves one PU per core)";
const std::string kOneLlc = "skipped: cross_llc needs two last-level caches in one package, and the allowed CPUs of "
                            "each package here share one";
const std::string kOnePackage = "skipped: cross_package needs two packages, and the allowed CPUs are all in one";
const std::string kOneNode = "skipped: cross_numa needs two NUMA nodes, and the allowed CPUs are all on one";

TEST(PlacementPairs, TwoSocketSmtServerWithLinuxSiblingNumbering) {
  // Linux numbers the first PU of every core first: CPU N and N + 8 are one core's two PUs.
  const auto t = synthetic_machine("pack:2 numa:1 l3:1 core:4 pu:2(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)");
  ASSERT_TRUE(t);
  expect_pair(*t, P::same_cpu, 15, 15);
  expect_pair(*t, P::smt_sibling, 0, 8);
  expect_pair(*t, P::cross_cpu, 0, 1);
  expect_skip(*t, P::cross_llc, kOneLlc);
  expect_pair(*t, P::cross_package, 0, 4);
  expect_pair(*t, P::cross_numa, 0, 4);
  EXPECT_TRUE(choose_pair(*t, P::cross_package).pair->cross_numa) << "each package is its own NUMA node";
  EXPECT_FALSE(choose_pair(*t, P::unpinned).pair) << "unpinned: the scheduler chooses";
  EXPECT_TRUE(choose_pair(*t, P::unpinned).why_not.empty());
}

TEST(PlacementPairs, AmdPartWithFourL3Domains) {
  const auto t = synthetic_machine("pack:1 l3:4 core:4 pu:2");
  ASSERT_TRUE(t);
  expect_pair(*t, P::same_cpu, 31, 31);
  expect_pair(*t, P::smt_sibling, 0, 1);
  expect_pair(*t, P::cross_cpu, 0, 2);
  expect_pair(*t, P::cross_llc, 0, 8);
  expect_skip(*t, P::cross_package, kOnePackage);
  expect_skip(*t, P::cross_numa, kOneNode);
  EXPECT_EQ(t->relation(7, 8), Relation::cross_llc);
  EXPECT_EQ(t->relation(8, 15), Relation::cross_cpu);
}

TEST(PlacementPairs, HybridPrefersTheCoresThatShareAnL2AndNamesTheKinds) {
  const auto t = fixture_machine("hybrid-2p4e.xml");
  ASSERT_TRUE(t);
  expect_pair(*t, P::same_cpu, 7, 7);
  expect_pair(*t, P::smt_sibling, 0, 1);
  // Two P-cores share only the L3; the E-core cluster shares an L2: "the most cache".
  expect_pair(*t, P::cross_cpu, 4, 5);
  expect_skip(*t, P::cross_llc, kOneLlc);
  expect_skip(*t, P::cross_package, kOnePackage);
  expect_skip(*t, P::cross_numa, kOneNode);
  EXPECT_EQ(t->place(0).kind, "IntelCore");
  EXPECT_EQ(t->place(3).kind, "IntelCore");
  EXPECT_EQ(t->place(4).kind, "IntelAtom");
  EXPECT_EQ(t->relation(0, 2), Relation::cross_cpu) << "two P-cores still share the L3";
  EXPECT_EQ(t->one_per_core(), (std::vector<int>{0, 2, 4, 5, 6, 7}));
}

TEST(PlacementPairs, OneCpuMachineMeasuresOnlyOnOneCpu) {
  const auto t = synthetic_machine("pack:1 core:1 pu:1");
  ASSERT_TRUE(t);
  expect_pair(*t, P::same_cpu, 0, 0);
  for (const P where : {P::smt_sibling, P::cross_cpu, P::cross_llc, P::cross_package, P::cross_numa})
    expect_skip(*t, where, std::string("skipped: ") + std::string(to_string(where)) + " needs two CPUs, this process may use 1");
  EXPECT_TRUE(t->place(0).kind.empty()) << "one kind of CPU: no kind named";
}

TEST(PlacementPairs, ACpusetOfOddCpusLeavesOnePuPerCore) {
  const auto t = synthetic_machine("pack:1 l3:1 core:4 pu:2", {1, 3, 5, 7});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->cpus(), (std::vector<int>{1, 3, 5, 7}));
  expect_pair(*t, P::same_cpu, 7, 7);
  expect_skip(*t, P::smt_sibling, kNoSmt);
  expect_pair(*t, P::cross_cpu, 1, 3);
  expect_skip(*t, P::cross_llc, kOneLlc);
}

TEST(PlacementPairs, ACloudGuestThatIsOneCoreHasSiblingsButNoCrossCpu) {
  const auto t = synthetic_machine("pack:1 l3:1 core:1 pu:2");
  ASSERT_TRUE(t);
  expect_pair(*t, P::smt_sibling, 0, 1);
  expect_skip(*t, P::cross_cpu,
              "skipped: cross_cpu needs two cores, and the allowed CPUs are the PUs of one core (see smt_sibling)");
}

TEST(PlacementPairs, EveryPreemptivePlacementIsNamedAndOrderedByDistance) {
  const auto& order = preemptive_placements();
  ASSERT_EQ(order.size(), 7u);
  EXPECT_EQ(order.front(), P::same_cpu);
  EXPECT_EQ(order.back(), P::unpinned);
  for (const P where : order) EXPECT_EQ(placement_from_string(to_string(where)), where);
  EXPECT_FALSE(placement_from_string("nowhere"));
}

}  // namespace
}  // namespace bench_switch
