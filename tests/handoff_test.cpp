// Every mechanism, in every placement it is measured in, really alternates: each side receives
// exactly the sequence numbers it expects, as many as were sent.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "measure/affinity.hpp"
#include "measure/kernel_counters.hpp"
#include "mechanisms.hpp"
#include "mechanisms/carriers/pipe.hpp"
#include "mechanisms/kernel_pair.hpp"
#include "mechanisms/latency_stamps.hpp"

namespace bench_switch {
namespace {

struct Case {
  const Mechanism* mechanism;
  PlacementKind placement;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.mechanism->name << "/" << to_string(c.placement); }

std::vector<Case> measurable_cases() {
  std::vector<Case> cases;
  for (const Mechanism& m : mechanisms())
    for (const auto& [where, why_not] : m.placements)
      if (why_not.empty()) cases.push_back({&m, where});
  return cases;
}

class EveryHandoff : public testing::TestWithParam<Case> {
 protected:
  // The placement, or a skip when this machine cannot give it (one CPU).
  std::optional<Placement> placement() {
    std::string why_not;
    return resolve_placement(GetParam().placement, why_not);
  }
};

TEST_P(EveryHandoff, AlternatesWithSequenceNumbersCheckedOnBothSides) {
  const auto p = placement();
  if (!p) GTEST_SKIP() << "placement not available here";
  ScopedPin pin(p->measuring);
  const auto handoff = GetParam().mechanism->make(*p, Work{});
  handoff->run(10);
  handoff->run(990);  // a second run continues the sequence where the first stopped
  const Tally t = handoff->tally();
  EXPECT_EQ(t.measuring_received, 1000u);
  EXPECT_EQ(t.partner_received, 1000u);
  EXPECT_EQ(t.out_of_order, 0u);
}

// One-way latency samples: one per token either side received while stamping was on,
// none while it was off, both sides merged; a one-thread switch has none (its distribution is of
// batch means, timed from outside).
TEST_P(EveryHandoff, SamplesEachTokenReceivedWhileStampingIsOnAndOnlyKernelHandoffsStamp) {
  const auto p = placement();
  if (!p) GTEST_SKIP() << "placement not available here";
  ScopedPin pin(p->measuring);
  const auto handoff = GetParam().mechanism->make(*p, Work{});
  auto* sampled = dynamic_cast<LatencySampled*>(handoff.get());
  ASSERT_EQ(sampled != nullptr, GetParam().placement != PlacementKind::one_thread);
  if (sampled == nullptr) return;
  handoff->run(50);
  EXPECT_EQ(sampled->take_samples().count(), 0u) << "nothing is stamped until asked";
  sampled->set_stamping(true);
  handoff->run(300);
  sampled->set_stamping(false);
  handoff->run(40);
  const Tally t = handoff->tally();
  EXPECT_EQ(t.measuring_received + t.partner_received, 2u * 390u);
  const LatencyHistogram both = sampled->take_samples();
  EXPECT_EQ(both.count(), 600u) << "one sample per token received by either side, stamped runs only";
  EXPECT_LE(both.min(), both.percentile(0.5));
  EXPECT_LE(both.percentile(0.5), both.percentile(0.99));
  EXPECT_LE(both.percentile(0.99), both.max());
  EXPECT_EQ(sampled->take_samples().count(), 0u) << "taking the samples empties each side's histogram";
}

std::string handoff_case_name(const testing::TestParamInfo<Case>& param_info) {
  return fmt::format("{}_{}", param_info.param.mechanism->name, to_string(param_info.param.placement));
}

INSTANTIATE_TEST_SUITE_P(AllMechanisms, EveryHandoff, testing::ValuesIn(measurable_cases()), handoff_case_name);

// The two cases with a fixed promise: a kernel handoff on one CPU blocks on every switch, and a
// user-space switch never enters the kernel's scheduler.
std::vector<Case> promised_cases() {
  std::vector<Case> cases;
  for (const Case& c : measurable_cases())
    if (c.mechanism->kind != Scheduling::preemptive || c.placement == PlacementKind::same_cpu) cases.push_back(c);
  return cases;
}

class KernelSwitches : public EveryHandoff {};

TEST_P(KernelSwitches, AreWhatTheKindPromises) {
  const auto p = placement();
  ASSERT_TRUE(p);
  const bool kernel = GetParam().mechanism->kind == Scheduling::preemptive;
  ScopedPin pin(p->measuring);
  const auto handoff = GetParam().mechanism->make(*p, Work{});
  const std::uint64_t rounds = kernel ? 2000 : 200000;
  handoff->run(10);
  const TaskCounts before = read_task_counts(handoff->tasks());
  handoff->run(rounds);
  const TaskCounts d = read_task_counts(handoff->tasks()) - before;
  const double per_switch = static_cast<double>(d.voluntary + d.involuntary) / static_cast<double>(2 * rounds);
  if (kernel) {
    EXPECT_GT(per_switch, 0.9) << "each handoff on one CPU must be a kernel context switch";
  } else {
    EXPECT_LT(per_switch, 0.01) << "a cooperative switch must not be a kernel context switch";
  }
}

INSTANTIATE_TEST_SUITE_P(Promised, KernelSwitches, testing::ValuesIn(promised_cases()), handoff_case_name);

// A placement a mechanism cannot be measured in here (no io_uring, a placement that makes no
// sense for it) says why, in the words a skipped benchmark shows.
TEST(Mechanisms, EverySkippedPlacementSaysWhy) {
  for (const Mechanism& m : mechanisms())
    for (const auto& [where, why_not] : m.placements)
      if (!why_not.empty()) {
        EXPECT_EQ(why_not.rfind("skipped: ", 0), 0u) << m.name << "/" << to_string(where) << ": " << why_not;
      }
}

TEST(CarrierAlone, PassesTokensInOneTaskWithoutBlocking) {
  int with_carrier = 0;
  for (const Mechanism& m : mechanisms()) {
    if (!m.carrier_alone || !measurable_here(m)) continue;
    ++with_carrier;
    const auto alone = m.carrier_alone();
    alone->run(500);
    EXPECT_EQ(alone->tally().out_of_order, 0u) << m.name;
    EXPECT_EQ(alone->tally().measuring_received, 1000u) << m.name;
  }
  EXPECT_GE(with_carrier, 4) << "pipe, eventfd, socketpair and futex carriers are measured alone";
}

// A carrier that answers with the wrong sequence number: the tally must notice, or the
// alternation test above could never fail.
struct SkippingCarrier {
  explicit SkippingCarrier(bool) {}
  void send(int to_side, std::uint64_t seq) { inner.send(to_side, to_side == 0 && seq != kStopToken ? seq + 2 : seq); }
  std::uint64_t receive(int side) { return inner.receive(side); }
  void keep_side(int side) { inner.keep_side(side); }
  PipeCarrier inner{false};
};

TEST(Tally, CatchesAPartnerThatAnswersOutOfOrder) {
  std::string why_not;
  const auto p = resolve_placement(PlacementKind::same_cpu, why_not);
  ASSERT_TRUE(p);
  ThreadPair<SkippingCarrier> pair(*p, Work{});
  pair.run(100);
  EXPECT_EQ(pair.tally().out_of_order, 100u);
}

}  // namespace
}  // namespace bench_switch
