// The kernel's own counts of what happened to a set of tasks: context switches, migrations, CPU time.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench_switch {

// Counts the kernel keeps for every task whether anyone reads them or not (the same nvcsw/nivcsw
// that getrusage reports, and the run time of /proc/<tid>/schedstat), so reading them before and
// after a timed run does not disturb the run. Summed over `tids`.
struct TaskCounts {
  std::uint64_t voluntary = 0;    // the task blocked (waited for the token)
  std::uint64_t involuntary = 0;  // the task was preempted; a wake-up that preempts the waker lands here
  std::uint64_t cpu_ns = 0;       // time on a CPU
  // Time runnable but waiting for a CPU (schedstat's second field): grows while a peer or any
  // other task of this guest holds the CPU, not while the host takes the vCPU away.
  std::uint64_t run_delay_ns = 0;
};
TaskCounts read_task_counts(const std::vector<pid_t>& tids);
TaskCounts operator-(const TaskCounts& after, const TaskCounts& before);

// The steal time of `cpu` in /proc/stat (the host ran something else on the vCPU), in ns; in
// USER_HZ ticks, so 10 ms steps at USER_HZ = 100. Nothing when the line or the field is missing.
std::optional<std::uint64_t> read_steal_ns(int cpu);
// The steal field of `cpu`'s line in /proc/stat text, in USER_HZ ticks (pure, for tests).
std::optional<std::uint64_t> steal_ticks(const std::string& proc_stat, int cpu);

// The interrupts one CPU took, from /proc/interrupts: the local timer's (LOC: the tick, and any
// other hrtimer that fired there) and all others (devices, IPIs, ...), summed over their rows.
struct InterruptCounts {
  std::uint64_t timer = 0;
  std::uint64_t other = 0;
};
InterruptCounts operator-(const InterruptCounts& after, const InterruptCounts& before);
std::optional<InterruptCounts> read_interrupt_counts(int cpu);
// The same from /proc/interrupts text (pure, for tests); nothing when `cpu` has no column.
std::optional<InterruptCounts> interrupt_counts(const std::string& proc_interrupts, int cpu);

// perf_event software counters (context switches, CPU migrations) on each task of `tids`.
// An enabled context-switch counter adds work to every switch it counts, so bench_switch
// only enables it in a separate, untimed-for-the-headline pass.
class PerfCounters {
 public:
  struct Counts {
    std::uint64_t switches = 0;
    std::uint64_t migrations = 0;
  };
  // Nothing (with `why_not`) when perf_event_open is refused (perf_event_paranoid, seccomp, no PMU code).
  static std::optional<PerfCounters> open(const std::vector<pid_t>& tids, std::string& why_not);
  PerfCounters(PerfCounters&&) noexcept;
  PerfCounters& operator=(PerfCounters&&) = delete;
  PerfCounters(const PerfCounters&) = delete;
  ~PerfCounters();
  void start();   // reset and enable
  Counts stop();  // disable and read

 private:
  PerfCounters() = default;
  std::vector<int> switch_fds_, migration_fds_;
};

}  // namespace bench_switch
