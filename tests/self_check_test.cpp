// The self-check (harness against bare loops): each bare loop runs and cleans up; the verdict
// follows the margin; a harness slowed on purpose (one getppid syscall per handoff, the suite's
// known slowdown, BENCH_SWITCH_INJECT_SLOWDOWN) is flagged beside a bare loop, and the unslowed
// harness is not; every run's JSON and console carry the pairs. No timing is asserted beyond
// that: the slowdown is a syscall against a switch of a few ns, and an unslowed pair is flagged
// only if every interval of its ratio lies beyond 30 %.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>
#include <nlohmann/json.hpp>

#include "arch/current.hpp"
#include "bare_loops/bare_loop.hpp"
#include "binary.hpp"
#include "measure/affinity.hpp"
#include "measure/self_check_pairs.hpp"
#include "mechanisms.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

int self_check_threads() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

TEST(BareLoops, EachRunsItsRoundTripsAndLeavesNothingBehind) {
  ScopedPin pin(same_cpu().measuring);  // the kernel loops run on the caller's CPU
  const int threads = self_check_threads();
  const std::uint32_t d = arch::kFpDefault.bits;
  for (const auto& make : {MakeBareLoop([d] { return bare::make_fcontext_pingpong(d, d); }),
                           MakeBareLoop([d] { return bare::make_boost_fiber_pingpong(d, d); }),
                           MakeBareLoop([d] { return bare::make_ucontext_pingpong(d, d); }),
                           MakeBareLoop([] { return bare::make_coroutine_pingpong(); }),
                           MakeBareLoop([] { return bare::make_futex_pingpong(); }),
                           MakeBareLoop([] { return bare::make_pipe_pingpong(); })}) {
    auto loop = make();
    const double ns = loop->round_trips_ns(200);
    EXPECT_TRUE(std::isfinite(ns) && ns > 0) << ns;
  }
  EXPECT_EQ(self_check_threads(), threads) << "a bare loop's partner thread outlived it";
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a bare loop's child was not reaped";
  EXPECT_EQ(errno, ECHILD);
}

// A stackful loop's fiber keeps the value it was made with, and the caller's own comes back.
TEST(BareLoops, EveryStackfulFiberPingPongLeavesTheCallersMxcsrAsItWas) {
  const std::uint32_t own = arch::read_fp_control();
  for (auto make : {&bare::make_fcontext_pingpong, &bare::make_boost_fiber_pingpong, &bare::make_ucontext_pingpong}) {
    auto loop = make(arch::kFpFlushToZero.bits, arch::kFpRoundToZero.bits);
    loop->round_trips_ns(100);
    EXPECT_EQ(arch::read_fp_control(), own);
  }
}

MedianInterval self_check_interval(double median, double lo, double hi) { return {5, median, lo, hi, 0.94}; }

TEST(SelfCheckVerdict, FollowsTheMarginOnTheWholeInterval) {
  EXPECT_EQ(self_check_verdict(self_check_interval(1.02, 0.97, 1.08)), "agrees");
  EXPECT_EQ(self_check_verdict(self_check_interval(9.0, 8.5, 9.5)), "FAILED MEASUREMENT");
  EXPECT_EQ(self_check_verdict(self_check_interval(0.5, 0.45, 0.55)), "FAILED MEASUREMENT") << "a harness faster than the switch";
  EXPECT_EQ(self_check_verdict(self_check_interval(1.35, 1.2, 1.5)), "unresolved");
  EXPECT_EQ(self_check_verdict(self_check_interval(1.5, 1.31, 1.6)), "FAILED MEASUREMENT");
  EXPECT_EQ(self_check_verdict(self_check_interval(1.29, 1.28, 1.3)), "agrees") << "the margin is 30 %";
  EXPECT_EQ(self_check_verdict({1, 1.1, NAN, NAN, 0}), "agrees") << "one value: its median alone";
  EXPECT_EQ(self_check_verdict({0, NAN, NAN, NAN, 0}), "unresolved");
}

TEST(SelfCheckPairs, NoLoopNoFigures) {
  SelfCheckPairs none{MakeBareLoop{}};
  none.interleave([] { return Batch{2, 10, 0}; }, 1);
  EXPECT_FALSE(none.has_figures());
}

TEST(SelfCheckPairs, ALoopThatFailsLeavesThePairOut) {
  SelfCheckPairs broken{[]() -> std::unique_ptr<bare::BareLoop> { throw std::runtime_error("no fork here"); }};
  broken.interleave([] { return Batch{2, 10, 0}; }, 1);
  EXPECT_FALSE(broken.has_figures());
}

// The suite's injected slowdown (BENCH_SWITCH_INJECT_SLOWDOWN: one getppid syscall per handoff),
// added around a harness handoff at run time, so that this test needs no second build.
class SelfCheckSlowedHandoff final : public Handoff {
 public:
  explicit SelfCheckSlowedHandoff(Handoff& inner) : inner_(inner) {}
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      syscall(SYS_getppid);
      inner_.run(1);
    }
  }
  std::vector<pid_t> tasks() const override { return inner_.tasks(); }
  Tally tally() const override { return inner_.tally(); }

 private:
  Handoff& inner_;
};

// The harness's fcontext handoff (slowed or not) beside the bare fcontext ping-pong, as a run
// judges it: 5 repetitions of 3 pairs of batches, each repetition's fastest batches' ratio, and
// the median of those with its interval.
MedianInterval self_check_fcontext_ratio(bool slowed) {
  const std::uint32_t own = arch::read_fp_control();
  arch::write_fp_control(arch::kFpDefault.bits);  // the fiber copies it when made
  const auto fcontext = find_mechanism("fcontext_fiber")->make(Placement{}, Work{});
  SelfCheckSlowedHandoff slow(*fcontext);
  Handoff& harness = slowed ? static_cast<Handoff&>(slow) : *fcontext;
  const std::uint32_t d = arch::kFpDefault.bits;
  constexpr std::uint64_t kRounds = 20000;
  std::vector<double> repetitions;
  for (int rep = 0; rep < 5; ++rep) {
    SelfCheckPairs pairs([d] { return bare::make_fcontext_pingpong(d, d); });
    pairs.warm_up(kRounds);
    // As BM_Switch holds it: the caller's own arithmetic (the ratios above) raises PE in its MXCSR,
    // and a caller apart from its fiber by that flag pays tens of ns a switch (family fpenv).
    pairs.top_up([&] {
      arch::write_fp_control(arch::kFpDefault.bits);
      return time_round_trips(harness, kRounds);
    }, kRounds);
    EXPECT_TRUE(pairs.has_figures());
    EXPECT_EQ(pairs.pairs(), kSelfCheckMinPairs);
    repetitions.push_back(pairs.ratio());
  }
  EXPECT_EQ(fcontext->tally().out_of_order, 0u);
  arch::write_fp_control(own);
  return median_interval(repetitions);
}

TEST(SelfCheckPairs, FlagsAHarnessSlowedByTheInjectedSyscall) {
  ScopedPin pin(same_cpu().measuring);
  const MedianInterval r = self_check_fcontext_ratio(true);
  EXPECT_EQ(self_check_verdict(r), "FAILED MEASUREMENT") << "harness / bare " << r.median << " [" << r.lo << ", " << r.hi << "]";
}

TEST(SelfCheckPairs, PassesTheHarnessAsItIsWithinThe30PercentMargin) {
  ScopedPin pin(same_cpu().measuring);
  const MedianInterval r = self_check_fcontext_ratio(false);
  EXPECT_NE(self_check_verdict(r), "FAILED MEASUREMENT") << "harness / bare " << r.median << " [" << r.lo << ", " << r.hi << "]";
}

// Every run: the pairs in summaries.self_check with the margin, and a self-check line per pair.
TEST(SelfCheckInTheRun, TheJsonHoldsEveryPairAndTheConsoleItsLine) {
  const std::string json_path = ::testing::TempDir() + "self_check_run.json";
  const auto outcome = testing_binary::run_binary(
      {"--benchmark_filter=^(switch/fcontext_fiber/one_thread|fpenv/fcontext_fiber/fiber:default/caller:default)(/|$)",
       "--benchmark_repetitions=2", "--benchmark_min_time=0.002", "--json", json_path});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto doc = nlohmann::json::parse(testing_binary::slurp(json_path));
  std::remove(json_path.c_str());
  const auto& s = doc.at("summaries").at("self_check");
  EXPECT_EQ(s.at("margin").get<double>(), 0.30);
  for (const char* name : {"switch/fcontext_fiber/one_thread", "fpenv/fcontext_fiber/fiber:default/caller:default"}) {
    ASSERT_TRUE(s.at("pairs").contains(name)) << name;
    const auto& p = s["pairs"][name];
    EXPECT_GE(p.at("repetitions").get<int>(), 2) << name;  // fpenv fixes its own 5
    EXPECT_GT(p.at("bare_ns").get<double>(), 0) << name;
    EXPECT_GT(p.at("harness_ns").get<double>(), 0) << name;
    EXPECT_NE(outcome.out.find(std::string("self-check ") + name), std::string::npos) << outcome.out;
  }
}

}  // namespace
}  // namespace bench_switch
