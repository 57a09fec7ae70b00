// Placements are what they claim (measure/affinity.hpp): same_cpu pins both sides to one CPU,
// cross_cpu to two.
#include <gtest/gtest.h>

#include <string>

#include "measure/affinity.hpp"

namespace bench_switch {
namespace {

TEST(Placement, SameCpuPinsBothSidesToOneCpuCrossCpuToTwo) {
  std::string why_not;
  const auto same = resolve_placement(PlacementKind::same_cpu, why_not);
  ASSERT_TRUE(same);
  EXPECT_EQ(CPU_COUNT(&same->measuring), 1);
  EXPECT_TRUE(CPU_EQUAL(&same->measuring, &same->partner));
  const auto cross = resolve_placement(PlacementKind::cross_cpu, why_not);
  if (allowed_cpus().size() < 2) {
    EXPECT_FALSE(cross);
    EXPECT_EQ(why_not.rfind("skipped:", 0), 0u) << why_not;
  } else {
    ASSERT_TRUE(cross);
    EXPECT_EQ(CPU_COUNT(&cross->measuring), 1);
    EXPECT_EQ(CPU_COUNT(&cross->partner), 1);
    EXPECT_FALSE(CPU_EQUAL(&cross->measuring, &cross->partner));
  }
}

}  // namespace
}  // namespace bench_switch
