#include "latency_samples.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "measure/handoff_timing.hpp"
#include "measure/latency_histogram.hpp"
#include "measure/paired_batches.hpp"
#include "measure/stamp_clock.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

// Stamped batches per call, each paired with an unstamped one: 8 pairs of batches half the timed
// loop's (~0.5 ms) keep the default run within its minute (Google Benchmark calls a benchmark
// ~6 times: its sizing run and 5 repetitions) and give the ratio a 95 % interval (from 6 pairs
// on); more pairs (up to 64) when the batches came out shorter, until 4 ms were stamped.
constexpr std::size_t kStampedPairs = 8, kMostPairs = 64;
constexpr double kStampedNs = 4e6;
// A stamped batch's length, from what a switch took in the timed loop: the timed loop's round
// trips were chosen on the first call, and an unpinned pair calibrated while it shared one CPU
// runs those round trips 30 times slower once the scheduler parts it (a VM's cross-CPU wake-up).
constexpr double kStampedBatchNs = 5e5;
// Short batches for switches shorter than a clock read: ~2 µs each, so that one stamp's cost
// (subtracted, and ~1 % of a batch) and its jitter stay small; 2,000 of them per call.
constexpr double kShortBatchNs = 2000;
constexpr std::size_t kShortBatches = 2000;

void set_counters(benchmark::State& state, const LatencyHistogram& h) {
  auto& c = state.counters;
  c["latency_min_ns"] = h.min();
  c["latency_p50_ns"] = h.percentile(0.5);
  c["latency_p90_ns"] = h.percentile(0.9);
  c["latency_p99_ns"] = h.percentile(0.99);
  c["latency_p999_ns"] = h.percentile(0.999);
  c["latency_max_ns"] = h.max();
  c["latency_samples"] = static_cast<double>(h.count());
}

void attach(benchmark::State& state, const char* kind, const std::string& what, const LatencyHistogram& h) {
  const StampClock& clock = stamp_clock();
  set_counters(state, h);
  attach_to_entry(state, {{"latency",
                           {{"kind", kind},
                            {"what", what},
                            {"unit", "ns"},
                            {"clock", clock.name()},
                            {"stamp_cost_ns", clock.cost_ns()},
                            {"histogram", h.to_json()}}}});
}

void one_way(benchmark::State& state, Handoff& handoff, LatencySampled& sampled, std::uint64_t timed_round_trips,
             double ns_per_switch, const std::function<void()>& hold) {
  const auto by_time = static_cast<std::uint64_t>(kStampedBatchNs / (2 * std::max(ns_per_switch, 1.0)));
  const std::uint64_t round_trips = std::clamp<std::uint64_t>(by_time, 1, std::max<std::uint64_t>(1, timed_round_trips / 2));
  sampled.take_samples();  // nothing is stamped before this pass; emptied all the same
  hold();
  std::minstd_rand coin(2);
  std::vector<double> stamped_over_plain;
  stamped_over_plain.reserve(kMostPairs);
  double stamped_ns = 0;
  while (stamped_over_plain.size() < kMostPairs && (stamped_over_plain.size() < kStampedPairs || stamped_ns < kStampedNs)) {
    // In coin-toss order, not strict turns: a 4 ms tick would otherwise fall on one kind of batch.
    const bool stamped_first = (coin() & 1) != 0;
    Batch plain;
    if (!stamped_first) plain = time_round_trips(handoff, round_trips);
    sampled.set_stamping(true);
    const Batch stamped = time_round_trips(handoff, round_trips);
    sampled.set_stamping(false);
    if (stamped_first) plain = time_round_trips(handoff, round_trips);
    stamped_over_plain.push_back(stamped.wall_ns / plain.wall_ns);
    stamped_ns += stamped.wall_ns;
  }
  const MedianInterval effect = median_interval(stamped_over_plain);
  auto& c = state.counters;
  c["stamp_effect_ratio"] = effect.median, c["stamp_effect_lo"] = effect.lo, c["stamp_effect_hi"] = effect.hi;
  attach(state, "one_way_sample",
         fmt::format("one sample per handoff: from the sender's stamp just before it wakes the receiver to the "
                     "receiver's stamp when its wait returns, less one stamp's cost, over {} stamped batches of {} "
                     "handoffs taken after the timed loop, each beside an unstamped batch (stamp_effect_ratio)",
                     stamped_over_plain.size(), 2 * round_trips),
         sampled.take_samples());
}

void batch_means(benchmark::State& state, Handoff& handoff, std::uint64_t round_trips, double ns_per_switch,
                 const std::function<void()>& hold) {
  const double per_round = 2 * std::max(ns_per_switch, 0.01);
  const auto rounds = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(kShortBatchNs / per_round), 1, round_trips);
  const StampClock& clock = stamp_clock();
  // Stamps only, kept in memory allocated beforehand; no floating-point work between batches: it
  // would raise flags in the caller's MXCSR, and a stackful switch between a caller and a fiber
  // whose MXCSRs differ in a sticky flag costs tens of ns more (family fpenv).
  std::vector<std::uint64_t> stamps(kShortBatches + 1);
  hold();
  stamps[0] = clock.now();
  for (std::size_t i = 1; i < stamps.size(); ++i) {
    handoff.run(rounds);
    stamps[i] = clock.now();
  }
  // One stamp ends a batch and starts the next: its cost is in each difference once, as in a pair.
  LatencyHistogram means;
  double spent = 0;
  for (std::size_t i = 0; i + 1 < stamps.size(); ++i) {
    const double ns = clock.sample_ns(stamps[i], stamps[i + 1]);
    spent += ns;
    means.record(ns / static_cast<double>(2 * rounds));
  }
  attach(state, "batch_mean",
         fmt::format("the mean ns per switch of each of {} short batches of {} switches ({:.1f} µs each on average), "
                     "timed between two stamps less one stamp's cost: a single switch is shorter than a clock read, so "
                     "this is the distribution of batch means, not of single switches",
                     kShortBatches, 2 * rounds, spent / static_cast<double>(kShortBatches) / 1000),
         means);
}

}  // namespace

void sample_latency(benchmark::State& state, Handoff& handoff, std::uint64_t round_trips, double ns_per_switch,
                    const std::function<void()>& hold) {
  if (auto* sampled = dynamic_cast<LatencySampled*>(&handoff)) {
    one_way(state, handoff, *sampled, round_trips, ns_per_switch, hold);
  } else {
    batch_means(state, handoff, round_trips, ns_per_switch, hold);
  }
}

}  // namespace bench_switch
