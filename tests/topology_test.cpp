// The pair each relation picks, on machines this one is not: hwloc's synthetic topologies of a
// 2-socket SMT server, an AMD part with two L3 domains, an SMT desktop, and a 2-vCPU cloud guest
// that is one core's two hyperthreads. And this machine, restricted to the CPUs this process may use.
#include <gtest/gtest.h>

#include "machines.hpp"

#include "measure/affinity.hpp"
#include "measure/topology.hpp"

namespace bench_switch {
namespace {

void expect_pair(const Topology& t, Relation r, int a, int b) {
  const auto p = t.pair(r);
  ASSERT_TRUE(p) << to_string(r);
  EXPECT_EQ(p->measuring, a) << to_string(r);
  EXPECT_EQ(p->partner, b) << to_string(r);
  EXPECT_EQ(t.relation(p->measuring, p->partner), r);
}

TEST(Topology, TwoSocketSmtServerHasEveryRelationButCrossLlc) {
  const auto t = synthetic_machine("pack:2 numa:1 l3:1 core:2 pu:2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->cpus().size(), 8u);
  expect_pair(*t, Relation::same_cpu, 7, 7);  // the last PU: CPU 0 takes more interrupts
  expect_pair(*t, Relation::smt_sibling, 0, 1);
  expect_pair(*t, Relation::cross_cpu, 0, 2);
  expect_pair(*t, Relation::cross_package, 0, 4);
  EXPECT_FALSE(t->pair(Relation::cross_llc)) << "one L3 per package";
  const auto numa = t->cross_numa_pair();
  ASSERT_TRUE(numa);
  EXPECT_EQ(numa->relation, Relation::cross_package) << "each package is its own NUMA node";
  EXPECT_FALSE(t->cross_numa(0, 3));
}

TEST(Topology, TwoL3DomainsInOnePackageGiveCrossLlc) {
  const auto t = synthetic_machine("pack:1 l3:2 core:2 pu:1");
  ASSERT_TRUE(t);
  expect_pair(*t, Relation::cross_cpu, 0, 1);
  expect_pair(*t, Relation::cross_llc, 0, 2);
  EXPECT_FALSE(t->pair(Relation::smt_sibling)) << "no SMT";
  EXPECT_FALSE(t->pair(Relation::cross_package));
  EXPECT_FALSE(t->cross_numa_pair());
}

TEST(Topology, ASmtDesktopHasSiblingsAndCoresOnOneL3) {
  const auto t = synthetic_machine("pack:1 l3:1 core:4 pu:2");
  ASSERT_TRUE(t);
  expect_pair(*t, Relation::smt_sibling, 0, 1);
  expect_pair(*t, Relation::cross_cpu, 0, 2);
  EXPECT_FALSE(t->pair(Relation::cross_llc));
}

TEST(Topology, ATwoVcpuGuestThatIsOneCoreHasOnlySiblings) {
  const auto t = synthetic_machine("pack:1 l3:1 core:1 pu:2");
  ASSERT_TRUE(t);
  expect_pair(*t, Relation::smt_sibling, 0, 1);
  EXPECT_FALSE(t->pair(Relation::cross_cpu)) << "there is no second core: cross_cpu cannot be given";
}

TEST(Topology, ANonsenseDescriptionIsRefusedWithAMessage) {
  std::string error;
  EXPECT_FALSE(Topology::synthetic("no such level:3", error));
  EXPECT_NE(error.find("no such level:3"), std::string::npos) << error;
}

TEST(Topology, ThisMachineIsRestrictedToTheAllowedCpus) {
  std::string error;
  const auto t = Topology::this_machine(allowed_cpus(), error);
  ASSERT_TRUE(t) << error;
  auto got = t->cpus(), want = allowed_cpus();
  std::sort(got.begin(), got.end()), std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_FALSE(t->describe().empty());
  if (want.size() == 1) GTEST_SKIP() << "one CPU: no pair of two";
  EXPECT_TRUE(t->pair(Relation::smt_sibling) || t->pair(Relation::cross_cpu) || t->pair(Relation::cross_llc) ||
              t->pair(Relation::cross_package))
      << "two allowed CPUs are related somehow:\n" << t->describe();
}

}  // namespace
}  // namespace bench_switch
