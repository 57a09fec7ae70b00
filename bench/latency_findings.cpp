// What a run found about its latency distributions (summaries.findings): what stamping
// did to the time it rides on, and the one-way median against the mean per switch on one CPU.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measure/paired_batches.hpp"
#include "registry.hpp"
namespace bench_switch {
namespace {

// The iteration entries and median aggregates that carry a distribution, by registered name.
struct Sampled {
  std::string name, run_name, mechanism, placement, family;
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
    out.push_back({name, b.value("run_name", ""), b.value("mechanism", ""), placement, b.value("family", ""), b.value("real_time", 0.0),
                   b.value("latency_p50_ns", 0.0), b.contains("stamp_effect_ratio") ? b.value("stamp_effect_ratio", NAN) : NAN});
  }
  return out;
}

double stamp_cost(const nlohmann::json& doc, std::string& clock) {
  for (const auto& b : doc["benchmarks"])
    if (b.contains("latency") && b["latency"].contains("stamp_cost_ns")) {
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
  // With one handoff there is no interval over them: said so, not printed as nan.
  const std::string interval = m.has_interval() ? fmt::format("{} interval {:+.1f} to {:+.1f} %",
                                                              m.coverage >= 0.95 ? "95 %" : "[min, max]",
                                                              100 * (m.lo - 1), 100 * (m.hi - 1))
                                                : "one handoff: no interval";
  std::string text = fmt::format(
      "stamping every handoff ({} clock, {:.1f} ns a stamp, two per handoff) made a batch {:+.1f} % longer than the "
      "unstamped batch beside it (median over {} kernel handoffs, each the median of its repetitions; {}); within 3 % "
      "in {} of them",
      clock, cost, 100 * (m.median - 1), all.size(), interval, within, all.size());
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

// The samples of all repetitions of `run_name` together, read from their histograms (each bucket
// at its midpoint): their mean, and the share of their time in samples above `tail_from_ns`.
struct SampleTime {
  double mean_ns = 0, tail_share = 0;
};
SampleTime sample_time(const nlohmann::json& doc, const std::string& run_name, double tail_from_ns) {
  double n = 0, total = 0, tail = 0;
  for (const auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "") != "iteration" || b.value("run_name", "") != run_name || !b.contains("latency")) continue;
    for (const auto& bucket : b["latency"]["histogram"]) {
      const double mid = (bucket[0].get<double>() + bucket[1].get<double>()) / 2, count = bucket[2].get<double>();
      n += count, total += mid * count;
      if (bucket[0].get<double>() >= tail_from_ns) tail += mid * count;
    }
  }
  return n > 0 ? SampleTime{total / n, tail / total} : SampleTime{};
}

// The one-way median against the mean per switch, for the handoffs on one CPU; where they differ,
// the samples' own mean says whether the difference is in the tail (slow handoffs at full weight
// in a mean, none in a median) or outside the samples (what a sample does not cover).
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
    const bool close = std::abs(off) <= 0.15;
    within += close;
    list += fmt::format("{}{} {:.0f}/{:.0f} ns ({:+.0f} %", list.empty() ? "" : ", ", s.mechanism, s.p50_ns, s.mean_ns, 100 * off);
    if (!close) {
      const SampleTime t = sample_time(doc, s.run_name, 10 * s.p50_ns);
      list += fmt::format("; samples' mean {:.0f} ns, {:.0f} % of their time in samples above 10× the p50", t.mean_ns,
                          100 * t.tail_share);
    }
    list += ")";
    names.push_back(s.name);
  }
  return Finding{fmt::format("on one CPU the one-way p50 was within 15 % of the mean per switch in {} of {} handoffs "
                             "(p50/mean, medians of the repetitions: {}); a sample covers the handoff up to the "
                             "receiver's return from its wait, and where the samples' own mean is near the mean per "
                             "switch the difference is the tail: a few slow handoffs (another task given the CPU) "
                             "count in full in a mean and not in a median",
                             within, same.size(), list),
                 names, true};
}

const bool latency_findings_registered = [] {
  add_finding("stamping_effect", stamping_effect);
  add_finding("latency_median_against_mean", median_against_mean);
  return true;
}();

}  // namespace
}  // namespace bench_switch
