// The kernel's settings that decide how long a CPU-bound task runs before the next one gets the
// CPU, each with where it was read or why it could not be, and the slice they predict.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bench_switch {

struct Fact {
  std::optional<double> value;
  std::string source;  // the file (and key) it came from; or, with no value, why it could not be read
};
nlohmann::json to_json(const Fact& fact);  // {"value": v, "source": s} or {"value": null, "reason": s}

struct SchedulerFacts {
  Fact hz;                      // CONFIG_HZ: ticks per second
  Fact base_slice_ns;           // EEVDF's base slice (debugfs)
  Fact hrtick;                  // 1 when the HRTICK feature is on (debugfs sched/features), else 0
  Fact fair_server_runtime_ns;  // the fair server of the crew's CPU (kernel 6.12+, debugfs)
  Fact fair_server_period_ns;
  Fact rr_timeslice_ms;         // /proc/sys/kernel/sched_rr_timeslice_ms
  Fact rt_group_sched;          // CONFIG_RT_GROUP_SCHED: 1 or 0
  Fact rt_runtime_us, rt_period_us;
};
// Read once per call; `cpu` is the CPU whose fair server is read.
SchedulerFacts read_scheduler_facts(int cpu);
nlohmann::json to_json(const SchedulerFacts& facts);

// The value of `key` (e.g. "CONFIG_HZ") in a kernel config's text: "250", "y", or "n" for
// "# CONFIG_X is not set"; nothing when absent. Pure, for tests.
std::optional<std::string> config_value(const std::string& config_text, const std::string& key);

struct SlicePrediction {
  std::optional<double> ns;  // nothing when the facts the rule needs could not be read
  std::string rule;          // which rule gave it, or what was missing
};
// SCHED_RR: sched_rr_timeslice_ms. SCHED_OTHER (EEVDF): a slice is checked for expiry at each tick
// unless HRTICK is on, so it lasts max(base slice rounded up to whole ticks, one tick). Where the
// base slice cannot be read, the kernel's default, 0.75 ms × (1 + log2(min(CPUs, 8))), stands in,
// and the rule says so. Pure: `online_cpus` is passed in.
SlicePrediction predict_slice(bool rr, const SchedulerFacts& facts, int online_cpus);

// The preemption model in force ("none", "voluntary", "full", "lazy", "rt") and where it was read:
// /sys/kernel/debug/sched/preempt (the word in parentheses) where debugfs is readable; else a
// preempt= on the kernel's command line (PREEMPT_DYNAMIC kernels); else the kernel config's
// CONFIG_PREEMPT_* choice, which a PREEMPT_DYNAMIC kernel boots with. Empty mode: not known, and
// `source` says why.
struct PreemptMode {
  std::string mode;
  std::string source;
};
PreemptMode read_preempt_mode();
// The same from given texts (nothing where a text could not be read). Pure, for tests.
PreemptMode preempt_mode_of(const std::optional<std::string>& debugfs_text, const std::string& cmdline,
                            const std::optional<std::string>& config_text, const std::string& config_source);
nlohmann::json to_json(const PreemptMode& mode);  // {"mode": m, "source": s} or {"mode": null, "reason": s}

// Whether `observed` lies within 10 % of `predicted`.
bool agrees(double observed, double predicted);

}  // namespace bench_switch
