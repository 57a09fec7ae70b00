// Family `preemption_cost`: the price of preemption. One worker runs spin_work in chunks of ~50 ns,
// reading the clock after each chunk, alone on a CPU; then K + 1 identical workers share that CPU;
// then one alone again: a triple. In each run the workers' merged clock reads give the time no
// worker was in its loop (stops over 5 µs); the lone runs say how much of that the machine takes
// anyway (interrupts, the host), per ns of window. What the shared run loses beyond that, per
// involuntary switch, is the cost of a preemption:
//   ns_direct_per_involuntary_switch = (lost_shared − alone_lost_share × window) / involuntary switches
// Triples repeat until the standard error of their mean is below 20 % of it, or the benchmark's
// 0.6 s are spent; a figure not above its uncertainty is reported unresolved, with no number.
//
// One iteration is all the triples, run exactly once per benchmark (Iterations(1), Repetitions(1));
// real_time is the sum of the shared runs' windows.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/preemption_cost.hpp"
#include "lost_time_counters.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

void BM_PreemptionCost(benchmark::State& state, int competitors) {
  PreemptionCostResult r;
  for (auto _ : state) {
    PreemptionCostConfig config;
    config.competitors = competitors;
    r = measure_preemption_cost(config);
    if (!r.error.empty()) {
      skip_or_fail(state, r.error);
      break;
    }
    state.SetIterationTime(static_cast<double>(r.shared.window_ns) * 1e-9);
  }
  if (!r.error.empty()) return;
  auto& c = state.counters;
  // Only a resolved figure is a number here; the uncertainty is always shown, so a reader sees
  // how far from resolving it was.
  // Set in every repetition (NaN, written null, when unresolved): Google Benchmark 1.7 crashes when
  // a later repetition has a counter the first lacked (bench_switch --repetitions).
  c["ns_direct_per_involuntary_switch"] = r.resolved ? r.ns_direct_per_involuntary_switch : NAN;
  c["ns_direct_uncertainty"] = r.ns_direct_uncertainty;
  c["resolved"] = r.resolved ? 1 : 0;
  c["triples"] = r.triples;
  c["stopped_by_bound"] = r.stopped_by_bound ? 1 : 0;
  c["alone_lost_share"] = r.alone_lost_share;
  c["shared_lost_share"] = r.shared_lost_share;
  c["loop_step_ns"] = r.loop_step_ns;
  add_lost_time_counters(c, r.shared);
}

std::string stopped_because(bool by_bound) { return by_bound ? "uncertainty below bound" : "time budget spent"; }

std::string row_note(const benchmark::UserCounters& c) {
  const auto resolved = c.find("resolved");
  if (resolved == c.end()) return "";
  const auto by_bound = c.find("stopped_by_bound");
  const std::string why = by_bound == c.end() ? "" : "; " + stopped_because(by_bound->second.value == 1);
  return (resolved->second.value == 1 ? "resolved" : "UNRESOLVED: not above its uncertainty") + why;
}

// Each K's figure in words: resolved with its uncertainty, or unresolved; and why the triples stopped.
// A counter's value, NaN where it is absent or was written as null (one triple has no standard error).
double preemption_cost_number(const nlohmann::json& b, const char* key) {
  return b.contains(key) && b[key].is_number() ? b[key].get<double>() : NAN;
}

nlohmann::json cost_summary(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& b : benchmarks) {
    if (b.value("family", "") != "preemption_cost" || b.value("run_type", "") != "iteration" ||
        b.value("error_occurred", false) || !b.contains("resolved"))
      continue;
    // A figure that came out non-finite is written as null: never read as resolved.
    const bool resolved = b["resolved"] == 1 && b.contains("ns_direct_per_involuntary_switch") &&
                          b["ns_direct_per_involuntary_switch"].is_number();
    const double se = preemption_cost_number(b, "ns_direct_uncertainty");
    out.push_back({{"K", b["params"].value("K", 0)},
                   {"resolved", resolved},
                   {"ns_direct_per_involuntary_switch", resolved ? b["ns_direct_per_involuntary_switch"] : nlohmann::json()},
                   {"ns_direct_uncertainty", b.value("ns_direct_uncertainty", nlohmann::json())},
                   {"triples", b.value("triples", nlohmann::json())},
                   {"stopped_because", stopped_because(preemption_cost_number(b, "stopped_by_bound") == 1)},
                   {"text", resolved ? fmt::format("{:.0f} ± {:.0f} ns per involuntary switch",
                                                   b["ns_direct_per_involuntary_switch"].get<double>(), se)
                                     : fmt::format("unresolved: the figure is not above its uncertainty ({:.0f} ns)", se)}});
  }
  return out.empty() ? nlohmann::json() : out;
}

// The cost of a preemption when it is resolved; otherwise why this machine cannot resolve it: its
// own interruptions, which a lone worker already suffers, against what the switches take.
std::optional<Finding> preemption_finding(const nlohmann::json& doc) {
  std::vector<std::string> names;
  std::string resolved, unresolved;
  double alone = NAN;
  for (const auto& b : doc["benchmarks"]) {
    if (b.value("family", "") != "preemption_cost" || b.value("run_type", "") != "iteration" || b.value("error_occurred", false))
      continue;
    names.push_back(b.value("run_name", ""));
    const int k = b["params"].value("K", 0);
    if (b.contains("alone_lost_share") && b["alone_lost_share"].is_number())
      alone = std::isfinite(alone) ? std::max(alone, b["alone_lost_share"].get<double>()) : b["alone_lost_share"].get<double>();
    const double u = b.contains("ns_direct_uncertainty") && b["ns_direct_uncertainty"].is_number() ? b["ns_direct_uncertainty"].get<double>() : NAN;
    if (preemption_cost_number(b, "resolved") == 1.0 && std::isfinite(preemption_cost_number(b, "ns_direct_per_involuntary_switch")))
      resolved += fmt::format("{}K={}: {:.1f} ± {:.1f} µs", resolved.empty() ? "" : ", ", k,
                              b["ns_direct_per_involuntary_switch"].get<double>() / 1e3, u / 1e3);
    else
      unresolved += fmt::format("{}K={} (± {:.1f} µs)", unresolved.empty() ? "" : ", ", k, u / 1e3);
  }
  if (names.empty()) return std::nullopt;
  std::string text;
  if (!resolved.empty()) text = "CPU time lost per preemption, beyond what a lone worker loses: " + resolved;
  if (!unresolved.empty())
    text += fmt::format("{}not resolved on this machine for {}: a lone busy worker already loses up to {:.1f} % of its "
                        "time in stops (interrupts, the host), more than the switches take",
                        text.empty() ? "the cost of a preemption is " : "; ", unresolved, 100 * alone);
  return Finding{text, names, unresolved.empty()};
}

const bool preemption_cost_registered = [] {
  add_finding("preemption_cost", preemption_finding);
  describe_family("preemption_cost",
                  {"ns of the shared runs (all triples); direct = CPU time lost per involuntary switch beyond what a "
                   "lone worker loses on that CPU (± standard error over the triples), shown only when above its "
                   "uncertainty; alone / shared = share of the window lost by the lone and the shared runs",
                   {{"ns_direct_per_involuntary_switch", "direct ns"},
                    {"ns_direct_uncertainty", "±"},
                    {"triples", "triples"},
                    {"alone_lost_share", "alone"},
                    {"shared_lost_share", "shared"},
                    {"outside_max_ns", "max ns"},
                    {"involuntary_switches", "invol"}}});
  add_row_note("preemption_cost", row_note);
  add_summary("preemption_cost", cost_summary);
  for (const int k : {1, 3, 7}) {
    const std::string name = fmt::format("preemption_cost/spin_work/K:{}", k);
    EntryFields fields{"preemption_cost", "spin_work", "preemptive", "thread", "same_cpu",
                       "ns of the shared runs (K + 1 workers on one CPU), all triples", {{"K", k}}};
    add_benchmark(name, fields, [k](benchmark::State& s) { BM_PreemptionCost(s, k); })->Iterations(1)->Repetitions(1);
    if (k == 1) mark_quick(name);
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
