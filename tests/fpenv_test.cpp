// Each side of a one-thread handoff holds exactly the MXCSR (on aarch64: FPCR) it was given while
// it is timed: in the fpenv family's cases, and in every other family's (both at the default).
// Correctness only: no timing is asserted.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string_view>
#include <nlohmann/json.hpp>

#include "arch/current.hpp"
#include "binary.hpp"
#include "measure/affinity.hpp"
#include "measure/fpenv.hpp"
#include "mechanisms.hpp"
#include "mechanisms/one_thread.hpp"

namespace bench_switch {
namespace {

struct FpenvCase {
  const char* mechanism;
  MxcsrSides mxcsr;
};
void PrintTo(const FpenvCase& c, std::ostream* os) {
  *os << fmt::format("{} caller {:#x} fiber {:#x}", c.mechanism, c.mxcsr.measuring, c.mxcsr.partner);
}

constexpr const char* kStackful[] = {"fcontext_fiber", "asm_switch_fpenv", "ucontext_fiber", "boost_fiber_yield"};

bool keeps_none(std::string_view mechanism) {
  for (std::string_view m : arch::kKeepNoFpControl)
    if (m == mechanism) return true;
  return false;
}

std::vector<FpenvCase> fpenv_cases() {
  // Matched default, matched flush-to-zero, matched round-to-zero, a sticky flag apart (not on
  // aarch64: FPCR has none), control bits apart; the mismatches only where the switch keeps a value per side.
  const std::uint32_t d = arch::kFpDefault.bits, ftz = arch::kFpFlushToZero.bits, rz = arch::kFpRoundToZero.bits;
  std::vector<MxcsrSides> matched = {{d, d}, {ftz, ftz}, {rz, rz}}, apart = {{ftz, d}};
  if (arch::kFpNoStickyWhy == nullptr) apart.push_back({arch::kFpStickyRaised.bits, d});
  std::vector<FpenvCase> cases;
  for (const char* m : kStackful) {
    for (const MxcsrSides& s : matched) cases.push_back({m, s});
    if (!keeps_none(m))
      for (const MxcsrSides& s : apart) cases.push_back({m, s});
  }
  return cases;
}

// An inexact operation the compiler cannot fold: it raises PE in the caller's MXCSR (on aarch64
// IXC in FPSR), as the harness's own arithmetic between batches does.
void raise_inexact() {
  volatile double third = 1.0;
  third = third / 3.0;
}

class MxcsrOfEachSide : public testing::TestWithParam<FpenvCase> {};

// BM_Switch's order: the fiber's value before the handoff is made, the caller's before each batch.
TEST_P(MxcsrOfEachSide, IsWhatItWasGivenEvenAfterTheCallerRaisedAFlag) {
  const MxcsrSides want = GetParam().mxcsr;
  std::string why_not;
  const auto p = resolve_placement(PlacementKind::one_thread, why_not);
  ASSERT_TRUE(p) << why_not;
  ScopedPin pin(p->measuring);
  ScopedMxcsr fpenv;
  fpenv.set(want.partner);
  const auto handoff = find_mechanism(GetParam().mechanism)->make(*p, Work{});
  for (int batch = 0; batch < 3; ++batch) {
    fpenv.set(want.measuring);
    handoff->run(1000);
    raise_inexact();
  }
  fpenv.set(want.measuring);
  const auto seen = probe_mxcsr(*handoff);
  ASSERT_TRUE(seen) << "a one-thread mechanism answers the probe";
  EXPECT_EQ(seen->partner, want.partner);
  EXPECT_EQ(seen->measuring, want.measuring);
  const Tally t = handoff->tally();
  EXPECT_EQ(t.measuring_received, 3000u) << "the probe is not counted as a handoff";
  EXPECT_EQ(t.partner_received, 3000u);
  EXPECT_EQ(t.out_of_order, 0u);
}

// The fpenv family's control batches: each side changes its own value between batches, and it holds.
TEST_P(MxcsrOfEachSide, SetByEachSideBetweenBatchesHoldsInTheNext) {
  const MxcsrSides want = GetParam().mxcsr;
  ScopedMxcsr fpenv;
  auto handoff = find_mechanism(GetParam().mechanism)->make(Placement{}, Work{});
  auto& fibers = dynamic_cast<OneThreadHandoff&>(*handoff);
  for (const MxcsrSides& sides : {want, MxcsrSides{}, want}) {
    fibers.set_mxcsr(sides);
    handoff->run(1000);
    EXPECT_EQ(fibers.probe_mxcsr(), sides);
  }
  EXPECT_EQ(handoff->tally().measuring_received, 3000u) << "setting and probing are not handoffs";
  EXPECT_EQ(handoff->tally().partner_received, 3000u);
  EXPECT_EQ(handoff->tally().out_of_order, 0u);
}

std::string fpenv_case_name(const testing::TestParamInfo<FpenvCase>& info) {
  return fmt::format("{}_caller{:x}_fiber{:x}", info.param.mechanism, info.param.mxcsr.measuring, info.param.mxcsr.partner);
}
INSTANTIATE_TEST_SUITE_P(StackfulSwitches, MxcsrOfEachSide, testing::ValuesIn(fpenv_cases()), fpenv_case_name);

// The probe reads the fiber side itself, not a copy of what it was given: a switch that keeps no
// MXCSR of its own (asm_switch: registers and stack pointer only) leaves the fiber with the caller's.
TEST(MxcsrProbe, SeesTheCallersValueInAFiberThatKeepsNoneOfItsOwn) {
  ScopedMxcsr fpenv;
  fpenv.set(kDefaultMxcsr);
  const auto handoff = find_mechanism("asm_switch")->make(Placement{}, Work{});
  const std::uint32_t other = arch::kFpRoundToZero.bits;
  fpenv.set(other);
  handoff->run(100);
  const auto seen = probe_mxcsr(*handoff);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->partner, other);
  EXPECT_EQ(seen->measuring, other);
}

// Which switches keep a value per side is asked of the switch itself (the fpenv family skips a
// mismatch where it cannot differ), and it is what arch::kKeepNoFpControl says.
TEST(MxcsrProbe, KeptPerSideExactlyByTheSwitchesThatSaveIt) {
  for (const char* m : {"fcontext_fiber", "asm_switch_fpenv", "ucontext_fiber", "boost_fiber_yield", "asm_switch"}) {
    const auto handoff = find_mechanism(m)->make(Placement{}, Work{});
    EXPECT_EQ(keeps_mxcsr_per_side(*handoff), !keeps_none(m)) << m;
    EXPECT_EQ(handoff->tally().out_of_order, 0u) << m;
  }
}

TEST(ScopedMxcsr, PutsTheCallersOwnValueBack) {
  const std::uint32_t own = read_mxcsr();
  {
    ScopedMxcsr scoped;
    scoped.set(arch::kFpFlushToZero.bits);
    EXPECT_EQ(read_mxcsr(), arch::kFpFlushToZero.bits);
  }
  EXPECT_EQ(read_mxcsr(), own);
}

// The benchmarks themselves: every one-thread switch entry has both sides at the default, every
// fpenv entry has each side at the value its params name, as read inside the run.
TEST(MxcsrInTheRun, EverySideHoldsTheValueItsBenchmarkNames) {
  const std::string json_path = ::testing::TempDir() + "mxcsr_run.json";
  const auto outcome = testing_binary::run_binary(
      {"--benchmark_filter=^(fpenv/|switch/[a-z_]+/one_thread)", "--benchmark_repetitions=1",
       "--benchmark_min_time=0.001", "--json", json_path});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::ifstream in(json_path);
  const auto doc = nlohmann::json::parse(in);
  std::remove(json_path.c_str());
  int fpenv = 0, matched = 0;
  for (const auto& b : doc["benchmarks"]) {
    const std::string partner_seen = fp_control_field("partner", "_seen"), measuring_seen = fp_control_field("measuring", "_seen");
    if (b.value("run_type", "") != "iteration" || !b.contains(partner_seen)) continue;
    const std::string name = b["name"];
    const bool is_fpenv = b["family"] == "fpenv";
    const double partner = is_fpenv ? b["params"][fp_control_field("partner")].get<double>() : kDefaultMxcsr;
    const double measuring = is_fpenv ? b["params"][fp_control_field("measuring")].get<double>() : kDefaultMxcsr;
    EXPECT_EQ(b[partner_seen].get<double>(), partner) << name;
    EXPECT_EQ(b[measuring_seen].get<double>(), measuring) << name;
    ++(is_fpenv ? fpenv : matched);
  }
  EXPECT_GE(fpenv, 15) << "five cases for each of at least three stackful mechanisms";
  EXPECT_GE(matched, 5) << "the switch family's one-thread mechanisms";
  for (const auto& [mechanism, s] : doc.at("summaries").at("fpenv").items()) {
    EXPECT_TRUE(s["sides_as_intended"].get<bool>()) << mechanism;
    for (const char* field : {"aa_ns", "matched_default_ns", "mismatch_sticky_resolved", "mismatch_control_resolved",
                              "matched_nondefault_within_15_percent"})
      EXPECT_TRUE(s.contains(field)) << mechanism << " " << field;
  }
}

}  // namespace
}  // namespace bench_switch
