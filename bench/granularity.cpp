// Family `granularity`: how much work a task must do between switches for switching to be cheap.
// Each side does W ns of calibrated work (spin_work: no clock read, cannot be optimised away)
// every time it gets the token; the switch loop is the switch family's. One iteration is one
// switch, preceded by one chunk of work, so
//   efficiency = useful work time / elapsed time = work_ns / ns_per_switch
// where work_ns is the chunk timed alone, chunk after chunk in one task, right after the switch
// loop (work_alone_ns). W names the point; work_ns is what the chunk really took. Efficiency is
// not clamped: at large W, where switching is negligible, noise puts it a percent or two either
// side of 1.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "measure/breakeven.hpp"
#include "measure/work.hpp"
#include "registry.hpp"
#include "switch_latency.hpp"

namespace bench_switch {
namespace {

// Half-decade steps from 10 ns to 100 µs, then decades to 10 ms.
constexpr double kWorkNs[] = {10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5, 1e6, 1e7};
constexpr std::pair<const char*, PlacementKind> kMechanisms[] = {
    {"fcontext_fiber", PlacementKind::one_thread},
    {"coroutine", PlacementKind::one_thread},
    {"thread_futex", PlacementKind::same_cpu},
    {"process_pipe", PlacementKind::same_cpu},
};

void BM_Granularity(benchmark::State& state, const SwitchCase& c) {
  BM_Switch(state, c);
  if (state.error_occurred()) return;
  const double work_ns = work_alone_ns(c.work);
  state.counters["work_ns"] = work_ns;
  state.counters["efficiency"] = work_ns / state.counters["ns_per_switch"].value;
}

// Break-even W per mechanism, from the median efficiency at each W.
nlohmann::json breakeven_summary(const nlohmann::json& benchmarks) {
  std::map<std::string, std::vector<std::pair<double, double>>> sweeps;
  for (const auto& b : benchmarks) {
    if (b.value("family", "") != "granularity" || b.value("aggregate_name", "") != "median" || !b.contains("efficiency"))
      continue;
    sweeps[b["mechanism"]].emplace_back(b["params"]["W_ns"].get<double>(), b["efficiency"].get<double>());
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [mechanism, points] : sweeps) {
    const auto w90 = breakeven_w(points, 0.90), w99 = breakeven_w(points, 0.99);
    out[mechanism] = {{"efficiency_90_W_ns", w90 ? nlohmann::json(*w90) : nlohmann::json(nullptr)},
                      {"efficiency_99_W_ns", w99 ? nlohmann::json(*w99) : nlohmann::json(nullptr)}};
  }
  return out;
}

// The time-sliced point: two CPU-bound threads on one CPU switch only when the kernel preempts
// them, so their "work between switches" is the observed slice, and what each switch takes from
// them is the direct loss per involuntary switch of preemption_cost with one competitor:
//   efficiency = slice / (slice + loss per switch)
// Drawn beside the sweep: the granularity the OS chooses, against those a program can choose.
nlohmann::json timesliced_summary(const nlohmann::json& benchmarks) {
  double slice = NAN, loss = NAN;
  for (const auto& b : benchmarks) {
    if (b.value("run_type", "") != "iteration" || b.value("error_occurred", false) || !b.contains("params")) continue;
    const auto& p = b["params"];
    if (b.value("mechanism", "") == "timeslice_threads" && p.value("K", 0) == 2 && p.value("policy", -1) == 0 &&
        b.contains("slice_median_ns") && b["slice_median_ns"].is_number())
      slice = b["slice_median_ns"].get<double>();
    if (b.value("family", "") == "preemption_cost" && p.value("K", 0) == 1 &&
        b.contains("ns_direct_per_involuntary_switch") && b["ns_direct_per_involuntary_switch"].is_number())
      loss = b["ns_direct_per_involuntary_switch"].get<double>();
  }
  if (std::isnan(slice) || std::isnan(loss)) return nullptr;
  return {{"mechanism", "timesliced_threads"}, {"W_ns", slice}, {"ns_lost_per_switch", loss},
          {"efficiency", slice / (slice + loss)}};
}

const bool registered = [] {
  add_summary("granularity_timesliced", timesliced_summary);
  describe_family("granularity", {"ns per switch with W ns of work per side between switches; eff = W / (ns per switch)",
                                  {{"work_ns", "W ns"}, {"efficiency", "eff"}, {"kernel_switches_per_switch", "ksw"}}});
  add_summary("granularity_breakeven", breakeven_summary);
  for (const auto& [name, where] : kMechanisms) {
    const Mechanism* m = find_mechanism(name);
    for (const double w : kWorkNs) {
      const std::string bench_name = fmt::format("granularity/{}/W_ns:{}", m->name, w);
      EntryFields fields{"granularity", m->name.data(), std::string(to_string(m->kind)), std::string(m->task),
                         std::string(to_string(where)), "ns per switch, each preceded by W ns of work", {{"W_ns", w}}};
      // The work is sized lazily, on the first call: calibrating it at registration would cost
      // every run (even --help) the calibration.
      fixed_budget(add_benchmark(bench_name, fields,
                                 [m, where, w, bench_name](benchmark::State& s) {
                                   BM_Granularity(s, SwitchCase{m, where, Work{spin_units_for_ns(w), 0}, bench_name});
                                 }),
                   3, 0.02);
      if (w == 100 || w == 1e4) mark_quick(bench_name);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
