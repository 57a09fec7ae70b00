// Family `timeslice`: the preemption quantum, observed. K CPU-bound tasks (threads or processes)
// pinned to one CPU each read the clock in a tight loop for the same window; a gap of more than
// 200 µs in a task's own timeline is a time it did not run (kPreemptionGapNs says why 200 µs).
// The merged timelines attribute each gap to a peer (another task ran in it: a handoff) or to
// outside (no task ran: an interrupt, the host, a server); a slice is the run between two peer
// handoffs. Beside them: the kernel's counts, the scheduler's settings and the slice they predict.
//
// One iteration is one observation window, run exactly once per benchmark (Iterations(1),
// Repetitions(1): a window holds tens to hundreds of slices, and their distribution, not a
// repetition, is the spread). real_time is the window's measured length.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "experiments/timeslice.hpp"
#include "lost_time_counters.hpp"
#include "measure/affinity.hpp"
#include "measure/scheduler_facts.hpp"
#include "measure/system_info.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

// Read once: the settings do not change during a run, and the summary shows the same facts.
const SchedulerFacts& facts() {
  static const SchedulerFacts f = [] {
    std::string why_not;
    const auto placement = resolve_placement(PlacementKind::same_cpu, why_not);
    int cpu = 0;
    if (placement)
      while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &placement->measuring)) ++cpu;
    return read_scheduler_facts(cpu);
  }();
  return f;
}

SlicePrediction prediction_for(SchedPolicy policy) {
  return predict_slice(policy == SchedPolicy::rr, facts(), static_cast<int>(allowed_cpus().size()));
}

void BM_Timeslice(benchmark::State& state, const TimesliceConfig& config) {
  const auto measured = run_windows(state, [&] { return measure_timeslices(config); },
                                    [](const TimesliceResult& t) { return t.window_ns; });
  if (!measured) return;
  const TimesliceResult& r = *measured;
  auto& c = state.counters;
  c["slice_median_ns"] = r.slices.median;
  c["slice_p10_ns"] = r.slices.p10;
  c["slice_p90_ns"] = r.slices.p90;
  c["slice_count"] = static_cast<double>(r.slices.count);
  c["gap_median_ns"] = r.peer_gaps.median;
  c["gap_p10_ns"] = r.peer_gaps.p10;
  c["gap_p90_ns"] = r.peer_gaps.p90;
  c["outside_gaps_in_slices"] = static_cast<double>(r.outside_gaps_in_slices);
  c["outside_ns_in_slices"] = static_cast<double>(r.outside_ns_in_slices);
  add_lost_time_counters(c, r.lost);
  c["advertised_ns"] = r.advertised_ns;
  const SlicePrediction p = prediction_for(config.policy);
  if (p.ns) {
    c["predicted_slice_ns"] = *p.ns;
    // In every repetition (NaN, written null, with no slice), as Google Benchmark 1.7 needs.
    c["slice_agrees"] = r.slices.count > 0 ? (agrees(r.slices.median, *p.ns) ? 1 : 0) : NAN;
  }
}

std::string agreement_note(const benchmark::UserCounters& c) {
  const auto agree = c.find("slice_agrees");
  if (agree == c.end() || std::isnan(agree->second.value)) return c.count("slice_median_ns") ? "no prediction" : "";
  return agree->second.value == 1 ? "within 10 % of predicted" : "NOT within 10 % of predicted";
}

// A setting as a number when it reads as one, else as the kernel's text.
nlohmann::json setting(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return text;
}

const nlohmann::json* find_entry(const nlohmann::json& benchmarks, int k, int policy) {
  for (const auto& b : benchmarks) {
    if (b.value("family", "") == "timeslice" && b.value("mechanism", "") == "timeslice_threads" &&
        b.contains("params") && b["params"].value("K", 0) == k && b["params"].value("policy", -1) == policy &&
        !b.value("error_occurred", false))
      return &b;
  }
  return nullptr;
}

// One run's slice against the prediction, with the lost time beside it.
nlohmann::json run_summary(const nlohmann::json& b) {
  const bool rr = b["params"].value("policy", 0) == 1;
  const SlicePrediction p = prediction_for(rr ? SchedPolicy::rr : SchedPolicy::normal);
  const std::string name = fmt::format("timeslice/{}/K:{}/policy:{}", b.value("mechanism", ""), b["params"].value("K", 0),
                                       rr ? "rr" : "normal");
  nlohmann::json out = {{"name", name},
                        {"policy", rr ? "rr" : "normal"},
                        {"slice_median_ns", b.value("slice_median_ns", nlohmann::json())},
                        {"slice_count", b.value("slice_count", nlohmann::json())},
                        {"predicted_slice_ns", p.ns ? nlohmann::json(*p.ns) : nlohmann::json()},
                        {"rule", p.rule}};
  if (b.contains("slice_agrees") && b["slice_agrees"].is_number() && b["slice_median_ns"].is_number()) {
    out["agrees"] = b["slice_agrees"] == 1;
    out["ratio"] = b["slice_median_ns"].get<double>() / *p.ns;
  } else {
    out["agrees"] = nullptr;
  }
  for (const char* key : {"outside_share", "outside_gaps", "outside_stretches", "outside_max_ns", "outside_gaps_in_slices",
                          "outside_ns_in_slices", "peer_gaps", "involuntary_switches", "run_delay_ns", "steal_ns"})
    out[key] = b.value(key, nlohmann::json());
  return out;
}

// The observed slice next to what the kernel says it should be.
nlohmann::json observed_summary(const nlohmann::json& benchmarks) {
  const nlohmann::json* normal = find_entry(benchmarks, 2, 0);
  if (normal == nullptr || !normal->contains("slice_median_ns") || !(*normal)["slice_median_ns"].is_number())
    return nullptr;
  nlohmann::json advertised = nlohmann::json::object();
  advertised["sched_rr_get_interval_normal_ns"] = (*normal)["advertised_ns"];
  if (const nlohmann::json* rr = find_entry(benchmarks, 2, 1)) advertised["sched_rr_get_interval_rr_ns"] = (*rr)["advertised_ns"];
  // The settings that are a slice length: EEVDF's base slice (kernel 6.6 and later), CFS's
  // latency and granularities (earlier kernels, in /proc before 5.13 and in debugfs after), the RR
  // quantum; each where this kernel has it and lets it be read (debugfs is often not mounted).
  // Only durations, each named with its unit: plots draw every one beside the observed slice.
  const char* const dirs[] = {"/proc/sys/kernel/", "/sys/kernel/debug/sched/"};
  const char* const names[] = {"base_slice_ns",      "sched_base_slice_ns",      "latency_ns",
                               "sched_latency_ns",   "min_granularity_ns",       "sched_min_granularity_ns",
                               "wakeup_granularity_ns", "sched_wakeup_granularity_ns", "sched_rr_timeslice_ms"};
  for (const char* dir : dirs) {
    for (const char* name : names) {
      const std::string text = read_first_line(std::string(dir) + name);
      if (!text.empty()) advertised[name] = setting(text);
    }
  }
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& b : benchmarks)
    if (b.value("family", "") == "timeslice" && b.value("run_type", "") == "iteration" &&
        !b.value("error_occurred", false) && b.contains("params"))
      runs.push_back(run_summary(b));
  return {{"slice_median_ns", (*normal)["slice_median_ns"]},
          {"advertised", advertised},
          {"scheduler_facts", to_json(facts())},
          {"runs", runs}};
}

struct Case {
  TaskKind kind;
  int k;
  SchedPolicy policy;
  double window_ns;
};
constexpr Case kTimesliceCases[] = {
    {TaskKind::thread, 2, SchedPolicy::normal, 2e8},
    {TaskKind::thread, 4, SchedPolicy::normal, 2e8},
    {TaskKind::thread, 8, SchedPolicy::normal, 2e8},
    {TaskKind::process, 2, SchedPolicy::normal, 2e8},
    {TaskKind::process, 4, SchedPolicy::normal, 2e8},
    {TaskKind::process, 8, SchedPolicy::normal, 2e8},
    // The RR quantum is 100 ms by default (sched_rr_timeslice_ms): 0.6 s gives each of the two
    // tasks about 3 turns, a few whole slices between gaps. Kept this short because RR tasks at
    // 100 % starve every SCHED_OTHER task pinned to that CPU (per-CPU kernel workers) meanwhile.
    {TaskKind::thread, 2, SchedPolicy::rr, 6e8},
};

// The slice the kernel really gave against what its settings predict, and the time in which no
// task of the crew ran at all (the machine's own: interrupts, the host, a throttle).
std::optional<Finding> slice_finding(const nlohmann::json& doc) {
  const auto& observed = doc["summaries"].value("timeslice_observed", nlohmann::json::object());
  const auto& runs = observed.value("runs", nlohmann::json::array());
  if (runs.empty()) return std::nullopt;
  int agree = 0, predicted = 0;
  double outside_lo = INFINITY, outside_hi = -INFINITY, longest = 0;
  std::string normal, rr;
  std::vector<std::string> names;
  for (const auto& r : runs) {
    names.push_back(r.value("name", ""));
    if (r.contains("agrees") && r["agrees"].is_boolean()) ++predicted, agree += r["agrees"].get<bool>();
    // A figure that came out non-finite is null in the JSON: read as NaN, never thrown on.
    const auto number = [&r](const char* key, double otherwise) {
      return r.contains(key) && r[key].is_number() ? r[key].get<double>() : otherwise;
    };
    const double share = number("outside_share", NAN);
    if (std::isfinite(share)) outside_lo = std::min(outside_lo, share), outside_hi = std::max(outside_hi, share);
    longest = std::max(longest, number("outside_max_ns", 0.0));
    if (!r.contains("predicted_slice_ns") || !r["predicted_slice_ns"].is_number()) continue;
    const std::string text = fmt::format("{:.2f} ms against {:.2f} ms predicted", number("slice_median_ns", NAN) / 1e6,
                                         r["predicted_slice_ns"].get<double>() / 1e6);
    if (r.value("policy", "") == "rr" && rr.empty()) rr = text;
    if (r.value("policy", "") == "normal" && normal.empty()) normal = text;
  }
  std::string text = fmt::format("time slices: {} of {} runs within 10 % of what the kernel's settings predict (SCHED_OTHER "
                                 "K=2 {}; SCHED_RR {})", agree, predicted, normal.empty() ? "not predicted" : normal,
                                 rr.empty() ? "not predicted" : rr);
  if (std::isfinite(outside_lo))
    text += fmt::format("; no task of the crew ran for {:.2f}–{:.2f} % of the windows (longest {:.2f} ms): not counted as slices",
                        100 * outside_lo, 100 * outside_hi, longest / 1e6);
  return Finding{text, names, predicted > 0 && agree == predicted};
}

const bool timeslice_registered = [] {
  add_finding("timeslice", slice_finding);
  describe_family("timeslice",
                  {"ns of the observation window (one, run once); slice = a task's run between two peer handoffs "
                   "(gaps > 200 µs in its own clock reads in which another task ran), median; pred = the slice the "
                   "kernel's settings predict; outside = share of the window no task ran, in n stretches, max ns the "
                   "longest; invol = the kernel's involuntary switches",
                   {{"slice_median_ns", "slice ns"},
                    {"slice_count", "slices"},
                    {"predicted_slice_ns", "pred ns"},
                    {"gap_median_ns", "gap ns"},
                    {"involuntary_switches", "invol"},
                    {"outside_share", "outside"},
                    {"outside_stretches", "n"},
                    {"outside_max_ns", "max ns"}}});
  add_row_note("timeslice", agreement_note);
  add_summary("timeslice_observed", observed_summary);
  for (const Case& c : kTimesliceCases) {
    const bool threads = c.kind == TaskKind::thread;
    const int policy = c.policy == SchedPolicy::rr ? 1 : 0;
    const std::string mechanism = threads ? "timeslice_threads" : "timeslice_processes";
    const std::string name = fmt::format("timeslice/{}/K:{}/policy:{}", mechanism, c.k, policy ? "rr" : "normal");
    EntryFields fields{"timeslice", mechanism, "preemptive", std::string(to_string(c.kind)), "same_cpu",
                       "ns of one observation window; the slices and gaps within it are the figures",
                       {{"K", c.k}, {"policy", policy}}};
    const TimesliceConfig config{c.k, c.kind, c.policy, c.window_ns};
    add_benchmark(name, fields, [config](benchmark::State& s) { BM_Timeslice(s, config); })
        ->Iterations(1)
        ->Repetitions(1);
    if (threads && c.k == 2 && !policy) mark_quick(name);
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
