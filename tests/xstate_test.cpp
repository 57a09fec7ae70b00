// The xstate family's handoffs: both sides really leave the state they are told to live (XINUSE
// read as each hands over), the handoff still alternates and blocks on every switch, and what the
// CPU and kernel do not offer is skipped with a reason. Correctness only, no timing.
#include <gtest/gtest.h>

#include "measure/affinity.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/xstate.hpp"
#include "mechanisms/carriers/futex.hpp"
#include "mechanisms/carriers/register_state.hpp"
#include "mechanisms/kernel_pair.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

using StateFutex = RegisterStateCarrier<FutexCarrier>;
constexpr std::uint64_t kHi16Zmm = 1u << 7, kTileData = 1u << 18;
constexpr std::uint64_t kVectorBits = (1u << 2) | (1u << 5) | (1u << 6) | kHi16Zmm;

TEST(XsaveFacts, AreConsistentOrSayWhyNot) {
  const XsaveFacts& f = xsave_facts();
  for (const std::string* why : {&f.avx512_why_not, &f.amx_why_not})
    if (!why->empty()) {
      EXPECT_EQ(why->rfind("skipped: ", 0), 0u) << *why;
    }
  if (!f.xsave) GTEST_SKIP() << "no XSAVE here";
  EXPECT_GE(f.enabled_bytes, 576u) << "legacy region and header at least";
  EXPECT_LE(f.enabled_bytes, f.max_bytes);
  EXPECT_EQ(f.xcr0 & 3, 3u) << "x87 and SSE are always enabled";
  for (const XsaveComponent& c : f.components) {
    EXPECT_LE(c.offset + c.bytes, f.max_bytes) << c.name;
    if (c.enabled) {
      EXPECT_LE(c.offset + c.bytes, f.enabled_bytes) << c.name;
    }
  }
  if (f.avx512_why_not.empty()) {
    EXPECT_NE(f.xcr0 & kHi16Zmm, 0u);
  }
}

struct StateCase {
  const char* name;
  RegisterState state;
  std::uint64_t live, clear;  // XINUSE bits that must be set, and bits that must be clear
  bool amx;
};
const StateCase kCases[] = {
    {"clean", {StateFeature::avx512, false}, 0, kVectorBits, false},
    {"avx512_live", {StateFeature::avx512, true}, kHi16Zmm, 0, false},
    {"amx_clean", {StateFeature::amx, false}, 0, kVectorBits | kTileData, true},
    {"amx_live", {StateFeature::amx, true}, kTileData, kVectorBits, true},
};

template <class Pair>
void expect_state_held(const StateCase& c) {
  Pair pair(same_cpu(), Work{});
  pair.carrier().set_state(c.state);
  pair.run(10);
  const TaskCounts before = read_task_counts(pair.tasks());
  pair.run(500);
  const TaskCounts d = read_task_counts(pair.tasks()) - before;
  EXPECT_EQ(pair.tally().measuring_received, 510u);
  EXPECT_EQ(pair.tally().partner_received, 510u);
  EXPECT_EQ(pair.tally().out_of_order, 0u);
  EXPECT_GT(static_cast<double>(d.voluntary + d.involuntary) / 1000.0, 0.9) << "every handoff on one CPU is a kernel switch";
  for (int side : {0, 1}) {
    const std::uint64_t seen = pair.carrier().xinuse_seen(side);
    EXPECT_EQ(seen & c.live, c.live) << c.name << " side " << side << " XINUSE " << std::hex << seen;
    EXPECT_EQ(seen & c.clear, 0u) << c.name << " side " << side << " XINUSE " << std::hex << seen;
  }
}

TEST(RegisterState, EachSideLeavesTheNamedStateLiveAndTheHandoffAlternates) {
  for (const StateCase& c : kCases) {
    const std::string& why_not = c.amx ? xsave_facts().amx_why_not : xsave_facts().avx512_why_not;
    if (!why_not.empty()) {
      std::printf("  %s: %s\n", c.name, why_not.c_str());
      continue;
    }
    SCOPED_TRACE(c.name);
    expect_state_held<ThreadPair<StateFutex>>(c);
    expect_state_held<ProcessPair<StateFutex>>(c);
  }
}

// The state changes between runs, as the family changes it between batches, on the same partner.
TEST(RegisterState, ChangesBetweenRunsOnTheSameHandoff) {
  if (!xsave_facts().avx512_why_not.empty()) GTEST_SKIP() << xsave_facts().avx512_why_not;
  ProcessPair<StateFutex> pair(same_cpu(), Work{});
  for (const bool live : {true, false, true}) {
    pair.carrier().set_state({StateFeature::avx512, live});
    pair.run(20);
    for (int side : {0, 1}) EXPECT_EQ((pair.carrier().xinuse_seen(side) & kHi16Zmm) != 0, live) << "side " << side;
  }
}

}  // namespace
}  // namespace bench_switch
