// The harness against a bare loop, batch against batch: a bare batch of the same round trips
// before or after each of the harness's batches (by a coin toss, as the controls are), and
// harness / bare per pair. The families' registrations choose the loop (bench/self_check.cpp);
// this is the pairing and the verdict, with no Google Benchmark in it, so tests can drive it.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bare_loops/bare_loop.hpp"
#include "measure/handoff_timing.hpp"
#include "measure/paired_batches.hpp"

namespace bench_switch {

using MakeBareLoop = std::function<std::unique_ptr<bare::BareLoop>()>;

// How far harness / bare may be from 1 before the pair is a failed measurement: within
// [1 / (1 + margin), 1 + margin], judged on the ratio's interval (self_check_verdict).
inline constexpr double kSelfCheckMargin = 0.30;
// A bare batch beside every fourth of the harness's batches: enough pairs (about 8 in a repetition
// of the default 30 ms) at a quarter of the time a bare batch beside each would add to the run.
inline constexpr unsigned kSelfCheckEvery = 4;
// The fewest pairs of batches a repetition judges by (SelfCheckPairs::top_up).
inline constexpr std::size_t kSelfCheckMinPairs = 3;

// "agrees", "FAILED MEASUREMENT" or "unresolved": the ratio's interval wholly inside the margin,
// wholly outside it, or across one of its ends. Without an interval, its median alone is judged.
std::string self_check_verdict(const MedianInterval& ratio, double margin = kSelfCheckMargin);

// What one benchmark's pairs say, kept after its bare loop is gone (see SelfCheckPairs).
struct SelfCheckFigures {
  bool has_figures = false;  // no loop, or one that failed part-way: no figure
  double harness_ns_per_switch = NAN, bare_ns_per_switch = NAN, ratio = NAN;
  MedianInterval pair_ratio;
  std::size_t pairs = 0;
};

// One benchmark's pairs: a bare batch before or after every kSelfCheckEvery-th of the harness's
// batches (a coin toss), of the same round trips. Does nothing without a bare loop. A bare loop that fails is dropped with
// its reason (a warning line); the harness's figures go on, and the pair reports nothing.
class SelfCheckPairs {
 public:
  explicit SelfCheckPairs(const MakeBareLoop& make);
  // Runs `harness_batch` (which runs and times the harness's batch) with a bare batch beside it.
  template <class HarnessBatch>
  Batch interleave(HarnessBatch&& harness_batch, std::uint64_t round_trips) {
    if (!loop_ || batches_++ % kSelfCheckEvery != 0) return harness_batch();
    const bool bare_first = (coin_() & 1) != 0;
    const double before = bare_first ? bare_batch(round_trips) : 0;
    const Batch b = harness_batch();
    add(b.wall_ns, bare_first ? before : bare_batch(round_trips), static_cast<double>(b.switches));
    return b;
  }
  void warm_up(std::uint64_t round_trips) { bare_batch(round_trips); }
  // Drops the bare loop (its partner thread or process) so that the harness can have what it
  // held; false when there was none. The harness comes first: its pair is left out, with a warning.
  bool release();
  // More pairs after the timed loop, until there are `at_least`: on a loaded machine a batch that
  // lost the CPU for a few ticks can end a repetition after one pair, which no minimum can mend.
  template <class HarnessBatch>
  void top_up(HarnessBatch&& harness_batch, std::uint64_t round_trips, std::size_t at_least = kSelfCheckMinPairs) {
    while (loop_ && pair_ratios_.size() < at_least) {
      batches_ = 0;  // the next one is paired
      interleave(harness_batch, round_trips);
    }
  }
  // One pair, already timed (NaN bare_ns: none); what interleave() records, and what tests feed.
  void add(double harness_ns, double bare_ns, double switches);

  bool has_figures() const { return !pair_ratios_.empty() && failure_.empty(); }
  // The fastest batch of each side, in ns per switch, and their ratio harness / bare: the batch
  // the machine disturbed least (a preempted batch is only ever slower), so that on a loaded
  // machine a few batches that lost the CPU move neither.
  double harness_ns_per_switch() const { return harness_min_; }
  double bare_ns_per_switch() const { return bare_min_; }
  double ratio() const { return harness_min_ / bare_min_; }
  // harness / bare per pair of batches: its median and interval, for the record.
  MedianInterval pair_ratio() const { return median_interval(pair_ratios_); }
  std::size_t pairs() const { return pair_ratios_.size(); }
  SelfCheckFigures figures() const {
    if (!has_figures()) return {};
    return {true, harness_ns_per_switch(), bare_ns_per_switch(), ratio(), pair_ratio(), pairs()};
  }

 private:
  double bare_batch(std::uint64_t round_trips);  // NaN once the loop failed
  std::unique_ptr<bare::BareLoop> loop_;
  std::string failure_;
  std::minstd_rand coin_{next_seed()};  // a new sequence per benchmark call, as BM_Switch's
  static unsigned next_seed() {
    static unsigned seeds = 1000;
    return ++seeds;
  }
  unsigned batches_ = 0;  // the harness's batches so far
  std::vector<double> pair_ratios_;
  double harness_min_ = INFINITY, bare_min_ = INFINITY;
};

}  // namespace bench_switch
