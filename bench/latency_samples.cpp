#include "latency_samples.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
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
             const std::function<void()>& hold) {
  const std::uint64_t round_trips = std::max<std::uint64_t>(1, timed_round_trips / 2);
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
    one_way(state, handoff, *sampled, round_trips, hold);
  } else {
    batch_means(state, handoff, round_trips, ns_per_switch, hold);
  }
}

}  // namespace bench_switch

// ---- What a run found about its distributions (summaries.findings).
namespace bench_switch {
namespace {

// The iteration entries and median aggregates that carry a distribution, by registered name.
struct Sampled {
  std::string name, mechanism, placement, family;
  double mean_ns = 0, p50_ns = 0, effect = NAN;
};
std::vector<Sampled> sampled_benchmarks(const nlohmann::json& doc, const char* kind) {
  std::map<std::string, bool> of_kind;  // run_name -> its entries' latency kind is `kind`
  for (const auto& b : doc["benchmarks"])
    if (b.value("run_type", "") == "iteration" && b.contains("latency") && b["latency"].value("kind", "") == kind)
      of_kind[b.value("run_name", "")] = true;
  std::vector<Sampled> out;
  for (const auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "") != "aggregate" || b.value("aggregate_name", "") != "median") continue;
    if (!of_kind.count(b.value("run_name", "")) || !b.contains("latency_p50_ns")) continue;
    const std::string placement = b.value("placement", "");
    std::string name = b.value("family", "") + "/" + b.value("mechanism", "") + "/" + placement;
    if (b.contains("params") && b["params"].contains("N")) name = b.value("family", "") + "/" + b.value("mechanism", "") +
                                                                  "/N:" + std::to_string(b["params"]["N"].get<long>());
    out.push_back({name, b.value("mechanism", ""), placement, b.value("family", ""), b.value("real_time", 0.0),
                   b.value("latency_p50_ns", 0.0), b.contains("stamp_effect_ratio") ? b.value("stamp_effect_ratio", NAN) : NAN});
  }
  return out;
}

double stamp_cost(const nlohmann::json& doc, std::string& clock) {
  for (const auto& b : doc["benchmarks"])
    if (b.contains("latency")) {
      clock = b["latency"].value("clock", "");
      return b["latency"].value("stamp_cost_ns", NAN);
    }
  return NAN;
}

// What stamping did to the time it rides on, across the kernel handoffs of the run.
std::optional<Finding> stamping_effect(const nlohmann::json& doc) {
  std::vector<Sampled> all = sampled_benchmarks(doc, "one_way_sample");
  std::erase_if(all, [](const Sampled& s) { return std::isnan(s.effect); });
  if (all.empty()) return std::nullopt;
  std::sort(all.begin(), all.end(), [](const Sampled& a, const Sampled& b) { return std::abs(a.effect - 1) > std::abs(b.effect - 1); });
  std::vector<double> ratios;
  for (const Sampled& s : all) ratios.push_back(s.effect);
  const MedianInterval m = median_interval(ratios);
  const auto within = std::count_if(all.begin(), all.end(), [](const Sampled& s) { return std::abs(s.effect - 1) <= 0.03; });
  std::string clock;
  const double cost = stamp_cost(doc, clock);
  std::string text = fmt::format(
      "stamping every handoff ({} clock, {:.1f} ns a stamp, two per handoff) made a batch {:+.1f} % longer than the "
      "unstamped batch beside it (median over {} kernel handoffs, each the median of its repetitions; 95 % interval "
      "{:+.1f} to {:+.1f} %); within 3 % in {} of them",
      clock, cost, 100 * (m.median - 1), all.size(), 100 * (m.lo - 1), 100 * (m.hi - 1), within, all.size());
  std::vector<std::string> names;
  if (within < static_cast<long>(all.size())) {
    text += "; furthest: ";
    for (std::size_t i = 0; i < all.size() && i < 4; ++i) {
      if (std::abs(all[i].effect - 1) <= 0.03) break;
      text += fmt::format("{}{} {:+.1f} %", i ? ", " : "", all[i].name, 100 * (all[i].effect - 1));
      names.push_back(all[i].name);
    }
  }
  text += ". The samples are taken in a pass of their own: the headline times carry no stamps";
  return Finding{text, names, true};
}

// The one-way median against the mean per switch, for the handoffs on one CPU.
std::optional<Finding> median_against_mean(const nlohmann::json& doc) {
  std::vector<Sampled> same;
  for (const Sampled& s : sampled_benchmarks(doc, "one_way_sample"))
    if (s.family == "switch" && s.placement == "same_cpu") same.push_back(s);
  if (same.empty()) return std::nullopt;
  std::string list;
  std::vector<std::string> names;
  long within = 0;
  for (const Sampled& s : same) {
    const double off = s.p50_ns / s.mean_ns - 1;
    within += std::abs(off) <= 0.15;
    list += fmt::format("{}{} {:.0f}/{:.0f} ns ({:+.0f} %)", list.empty() ? "" : ", ", s.mechanism, s.p50_ns, s.mean_ns, 100 * off);
    names.push_back(s.name);
  }
  return Finding{fmt::format("on one CPU the one-way p50 was within 15 % of the mean per switch in {} of {} handoffs "
                             "(p50/mean, medians of the repetitions: {}); a sample ends when the receiver's wait "
                             "returns, the mean per switch also holds what the receiver does until it sends again",
                             within, same.size(), list),
                 names, true};
}

const bool registered = [] {
  add_finding("stamping_effect", stamping_effect);
  add_finding("latency_median_against_mean", median_against_mean);
  return true;
}();

}  // namespace
}  // namespace bench_switch
