// Family `timeslice`: the preemption quantum, observed. K CPU-bound tasks (threads or processes)
// pinned to one CPU each read the clock in a tight loop for the same window; a gap of more than
// 200 µs in a task's own timeline is a time the kernel gave the CPU to another (kPreemptionGapNs
// says why 200 µs), and the run between two gaps is a time slice. Beside them: the kernel's count
// of involuntary switches, and what the kernel advertises (sched_rr_get_interval).
//
// One iteration is one observation window, run exactly once per benchmark (Iterations(1),
// Repetitions(1): a window holds tens to hundreds of slices, and their distribution, not a
// repetition, is the spread). real_time is the window's measured length.
#include <fmt/format.h>

#include <string>

#include "experiments/timeslices.hpp"
#include "measure/system_info.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

void BM_Timeslice(benchmark::State& state, const TimesliceConfig& config) {
  TimesliceResult r;
  for (auto _ : state) {
    r = measure_timeslices(config);
    if (!r.error.empty()) {
      skip_or_fail(state, r.error);
      break;
    }
    state.SetIterationTime(r.window_ns * 1e-9);
  }
  if (!r.error.empty()) return;
  auto& c = state.counters;
  c["slice_median_ns"] = r.slices.median;
  c["slice_p10_ns"] = r.slices.p10;
  c["slice_p90_ns"] = r.slices.p90;
  c["slice_count"] = static_cast<double>(r.slices.count);
  c["gap_median_ns"] = r.gaps.median;
  c["gap_p10_ns"] = r.gaps.p10;
  c["gap_p90_ns"] = r.gaps.p90;
  c["involuntary_switches"] = static_cast<double>(r.involuntary_switches);
  c["advertised_ns"] = r.advertised_ns;
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
  return {{"slice_median_ns", (*normal)["slice_median_ns"]}, {"advertised", advertised}};
}

struct Case {
  TaskKind kind;
  int k;
  SchedPolicy policy;
  double window_ns;
};
constexpr Case kCases[] = {
    {TaskKind::thread, 2, SchedPolicy::normal, 3e8},
    {TaskKind::thread, 4, SchedPolicy::normal, 3e8},
    {TaskKind::thread, 8, SchedPolicy::normal, 3e8},
    {TaskKind::process, 2, SchedPolicy::normal, 3e8},
    {TaskKind::process, 4, SchedPolicy::normal, 3e8},
    {TaskKind::process, 8, SchedPolicy::normal, 3e8},
    // The RR quantum is 100 ms by default (sched_rr_timeslice_ms): 0.6 s gives each of the two
    // tasks about 3 turns, a few whole slices between gaps. Kept this short because RR tasks at
    // 100 % starve every SCHED_OTHER task pinned to that CPU (per-CPU kernel workers) meanwhile.
    {TaskKind::thread, 2, SchedPolicy::rr, 6e8},
};

const bool registered = [] {
  describe_family("timeslice", {"ns of the observation window (one, run once); slice = a task's run between two preemptions "
                                "(gap > 200 µs in its own clock reads), median; invol = the kernel's involuntary switches",
                                {{"slice_median_ns", "slice ns"},
                                 {"slice_count", "slices"},
                                 {"gap_median_ns", "gap ns"},
                                 {"involuntary_switches", "invol"},
                                 {"advertised_ns", "advertised ns"}}});
  add_summary("timeslice_observed", observed_summary);
  for (const Case& c : kCases) {
    const bool threads = c.kind == TaskKind::thread;
    const int policy = c.policy == SchedPolicy::rr ? 1 : 0;
    const std::string mechanism = threads ? "timeslice_threads" : "timeslice_processes";
    const std::string name = fmt::format("timeslice/{}/K:{}/policy:{}", mechanism, c.k, policy ? "rr" : "normal");
    EntryFields fields{"timeslice", mechanism, "preemptive", threads ? "thread" : "process", "same_cpu",
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
