// Family `granularity`: how much work a task must do between switches for switching to be cheap.
// Each side does W ns of calibrated work (spin_work: no clock read, cannot be optimised away)
// every time it gets the token; the switch loop is the switch family's. One iteration is one
// switch, preceded by one chunk of work. The control is the same work in one task with no switch
// (NoSwitchControl: both sides' chunks in turn), timed in batches that alternate with the switched
// ones, so that both see the same machine (its interruptions take a share of both alike):
//   efficiency = control time / switched time, per pair of batches: median and 95 % interval
//   overhead   = (switched − control) per switch: what a switch costs the work beside it
// An efficiency above 1 beyond its interval is a failed measurement, and is flagged as one.
// Break-even W (summaries.granularity_breakeven): from the overhead c fitted across the sweep,
// efficiency W / (W + c) reaches 90 % at W = 9c and 99 % at W = 99c, each with c's interval.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "measure/no_switch_control.hpp"
#include "repetitions.hpp"
#include "measure/work.hpp"
#include "registry.hpp"
#include "switch.hpp"

namespace bench_switch {
namespace {

// Half-decade steps from 10 ns to 100 µs, then 1 ms, where every curve has levelled off. (A point at
// 10 ms would hold one pair of 20 ms batches per repetition: no interval, for a second of the run.)
constexpr double kWorkNs[] = {10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5, 1e6};
constexpr std::pair<const char*, PlacementKind> kGranularityMechanisms[] = {
    {"fcontext_fiber", PlacementKind::one_thread},
    {"coroutine", PlacementKind::one_thread},
    {"thread_futex", PlacementKind::same_cpu},
    {"process_pipe", PlacementKind::same_cpu},
};

void BM_Granularity(benchmark::State& state, const SwitchCase& c) {
  BM_Switch(state, c);
  if (state.error_occurred()) return;
  auto& k = state.counters;
  k["work_ns"] = k["control_ns_per_switch"].value;  // what a chunk took, measured beside the switches
  k["efficiency"] = k["control_ratio"].value;
  k["efficiency_lo"] = k["control_ratio_lo"].value;
  k["efficiency_hi"] = k["control_ratio_hi"].value;
}

// Per mechanism: each W's efficiency and overhead over the repetitions, the points above 1 beyond
// their interval, and the break-even W from the overhead fitted across the sweep: the points'
// overheads averaged, each weighted by 1 / its standard error squared (half the interval / 1.96).
nlohmann::json breakeven_summary(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [mechanism, by_w] : repetitions_by(benchmarks, "granularity", "W_ns", "control_ratio")) {
    nlohmann::json points = nlohmann::json::array(), above = nlohmann::json::array();
    double weights = 0, weighted = 0;
    for (const auto& [w, rs] : by_w) {
      const MedianInterval eff = over_repetitions(rs, "control_ratio", "control_ratio_lo", "control_ratio_hi");
      const MedianInterval extra = over_repetitions(rs, "over_control_ns", "over_control_lo_ns", "over_control_hi_ns");
      const double half = (extra.hi - extra.lo) / 2;
      points.push_back({{"W_ns", w}, {"efficiency", number_or_null(eff.median)}, {"efficiency_lo", number_or_null(eff.lo)},
                        {"efficiency_hi", number_or_null(eff.hi)}, {"overhead_ns", number_or_null(extra.median)},
                        {"overhead_ci95_ns", number_or_null(half)}, {"repetitions", rs.size()}});
      if (eff.above(1)) above.push_back(w);
      if (std::isfinite(half) && half > 0 && std::isfinite(extra.median)) {
        const double se = half / 1.96;
        weights += 1 / (se * se), weighted += extra.median / (se * se);
      }
    }
    nlohmann::json m = {{"points", points}, {"efficiency_above_1_beyond_interval_at_W_ns", above}};
    if (weights > 0) {
      const double c = weighted / weights, ci = 1.96 / std::sqrt(weights);
      m["overhead_ns"] = c, m["overhead_ci95_ns"] = ci;
      // An overhead within its interval of zero gives no break-even W: it is unresolved, not 0.
      const bool resolved = c - ci > 0;
      m["overhead_resolved"] = resolved;
      // W / (W + c) = e  <=>  W = c · e / (1 − e): 9c for 90 %, 99c for 99 %.
      for (const auto& [level, factor] : {std::pair{90, 9.0}, std::pair{99, 99.0}}) {
        m[fmt::format("efficiency_{}_W_ns", level)] = resolved ? number_or_null(factor * c) : nlohmann::json(nullptr);
        m[fmt::format("efficiency_{}_W_ci95_ns", level)] = {number_or_null(factor * std::fmax(0.0, c - ci)),
                                                             number_or_null(factor * (c + ci))};
      }
    }
    out[mechanism] = m;
  }
  return out;
}

// The time-sliced point: two CPU-bound threads on one CPU switch only when the kernel preempts
// them, so their "work between switches" is the observed slice, and what each switch takes from
// them is the direct cost of one involuntary switch (family involuntary_switch, K = 2 threads:
// the handover p50, the tick inside it included):
//   efficiency = slice / (slice + handover)
// Drawn beside the sweep: the granularity the OS chooses, against those a program can choose.
nlohmann::json timesliced_summary(const std::vector<ReportedRun>& repetitions) {
  double slice = NAN, loss = NAN;
  for (const ReportedRun& r : repetitions) {
    if (r.run.error_occurred || r.fields == nullptr || r.param("K", 0) != 2 || r.param("policy", -1) != 0) continue;
    if (r.fields->mechanism == "timeslice_threads" && std::isfinite(r.counter("slice_median_ns")))
      slice = r.counter("slice_median_ns");
    // An unresolved handover median carries resolved 0: then there is no point to draw.
    if (r.fields->family == "involuntary_switch" && r.fields->mechanism == "clock_threads" && r.counter("handover_resolved") == 1 &&
        std::isfinite(r.counter("handover_p50_ns")))
      loss = r.counter("handover_p50_ns");
  }
  if (std::isnan(slice) || std::isnan(loss)) return nullptr;
  return {{"mechanism", "timesliced_threads"}, {"W_ns", slice}, {"ns_lost_per_switch", loss},
          {"efficiency", slice / (slice + loss)}};
}

// Per mechanism, where switching stops costing much: the 90 % break-even W with its interval; and
// any point whose efficiency is above 1 beyond its interval, as the failed measurement it is.
std::optional<Finding> breakeven_finding(const nlohmann::json& doc) {
  const auto& all = doc["summaries"].value("granularity_breakeven", nlohmann::json::object());
  if (all.empty()) return std::nullopt;
  std::string text = "work per switch for 90 % efficiency (9 × the overhead per switch, 95 % interval):";
  std::vector<std::string> failed;
  bool first = true;
  for (const auto& [mechanism, m] : all.items()) {
    for (const auto& w : m.value("efficiency_above_1_beyond_interval_at_W_ns", nlohmann::json::array()))
      failed.push_back(fmt::format("{} at W = {} ns", mechanism, w.get<double>()));
    if (!m.contains("overhead_ns")) continue;
    if (!m["efficiency_90_W_ns"].is_number()) {
      text += fmt::format("{} {} unresolved (overhead {:.3g} ± {:.2g} ns)", first ? "" : ";", mechanism,
                          m["overhead_ns"].get<double>(), m["overhead_ci95_ns"].get<double>());
      first = false;
      continue;
    }
    const auto& ci = m["efficiency_90_W_ci95_ns"];
    text += fmt::format("{} {} {:.3g} ns [{:.3g}, {:.3g}]", first ? "" : ";", mechanism, m["efficiency_90_W_ns"].get<double>(),
                        ci[0].is_number() ? ci[0].get<double>() : NAN, ci[1].is_number() ? ci[1].get<double>() : NAN);
    first = false;
  }
  if (failed.empty()) return Finding{text, {"granularity"}, true};
  std::string list;
  for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
  return Finding{text + "; FAILED MEASUREMENT: efficiency above 1 beyond its interval at " + list, {"granularity"}, false};
}

const bool granularity_registered = [] {
  add_finding("granularity_breakeven", breakeven_finding);
  add_repetitions_summary("granularity_timesliced", timesliced_summary);
  describe_family("granularity", {"ns per switch with W ns of work per side between switches; eff = the same work with no "
                                  "switch (timed in alternate batches) / switched, median of the pairs and its 95 % interval",
                                  {{"work_ns", "W ns"}, {"efficiency", "eff"}, {"efficiency_lo", "lo"},
                                   {"efficiency_hi", "hi"}, {"kernel_switches_per_switch", "ksw"}}});
  add_summary("granularity_breakeven", breakeven_summary);
  for (const auto& [name, where] : kGranularityMechanisms) {
    const Mechanism* m = find_mechanism(name);
    for (const double w : kWorkNs) {
      const std::string bench_name = fmt::format("granularity/{}/W_ns:{}", m->name, w);
      EntryFields fields{"granularity", m->name.data(), std::string(to_string(m->kind)), std::string(to_string(m->task)),
                         std::string(to_string(where)), "ns per switch, each preceded by W ns of work", {{"W_ns", w}}};
      // The work is sized lazily, on the first call: calibrating it at registration would cost
      // every run (even --help) the calibration.
      fixed_budget(add_benchmark(bench_name, fields,
                                 [m, where, w, bench_name](benchmark::State& s) {
                                   const Work work{spin_units_for_ns(w), 0};
                                   BM_Granularity(s, SwitchCase{m, where, work, bench_name, [work] {
                                                                  return std::make_unique<NoSwitchControl>(work, nullptr);
                                                                }});
                                 }),
                   3, 0.02);
      if (w == 100 || w == 1e4) mark_quick(bench_name);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
