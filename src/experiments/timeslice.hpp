// The preemption quantum, observed: K CPU-bound tasks on one CPU, each reading the clock in a tight
// loop; every gap in a task's own timeline is a time the kernel took the CPU away from it. Also the
// crew that runs K such tasks (threads or processes), which the involuntary_switch family shares.
#pragma once
#include <sched.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "measure/affinity.hpp"
#include "measure/attribution.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/timeline.hpp"
#include "task_kind.hpp"

namespace bench_switch {

inline constexpr int kMaxCrew = 16;
enum class SchedPolicy { normal, rr };  // SCHED_OTHER (CFS / EEVDF) or SCHED_RR at its lowest priority

// K tasks pinned to `cpu`, started together and stopped together:
//  1. each task is created, pins itself (and takes SCHED_RR if asked), says it is ready and blocks;
//  2. the caller's kernel counters are read while every task is blocked, so the count covers the
//     run and nothing else; the window's end time is fixed; every task is woken;
//  3. each runs `body(index, end_ns)`, which must return at or soon after `end_ns` (now_ns time);
//  4. each says it is done and blocks again; the counters are read again; every task is released,
//     restores its policy and ends (threads joined, children reaped, killed after a timeout).
// The caller (the benchmark thread) stays off `cpu` when another CPU is allowed, and sleeps through
// the window: no wake-up of its own lands between the tasks. `body` runs in a forked child for
// TaskKind::process: it must write what it finds into MAP_SHARED memory (SharedBlock) and never
// throw. No task outlives run_crew, whatever happened.
struct CrewPlan {
  int tasks = 2;
  TaskKind kind = TaskKind::thread;
  SchedPolicy policy = SchedPolicy::normal;
  cpu_set_t cpu{};
  double window_ns = 3e8;
};
struct CrewResult {
  TaskCounts counts;  // summed over the tasks, from all ready to all done
  std::optional<std::uint64_t> steal_ns;  // /proc/stat steal of the crew's CPU over the same span
  std::optional<InterruptCounts> interrupts;  // /proc/interrupts of the crew's CPU over the same span
  std::string error;  // non-empty: the run did not happen or did not finish; "skipped: ..." when refused
};
CrewResult run_crew(const CrewPlan& plan, const std::function<void(int index, std::uint64_t end_ns)>& body);

// The one CPU a crew of `tasks` shares (the same_cpu placement's), or nothing with `error` set:
// a crew size outside 1..kMaxCrew, or a machine that cannot give the placement.
std::optional<Placement> crew_placement(int tasks, std::string& error);

struct TimesliceConfig {
  int tasks = 2;  // K
  TaskKind kind = TaskKind::thread;
  SchedPolicy policy = SchedPolicy::normal;
  double window_ns = 3e8;  // each task's loop runs until the same end; a gap is > kPreemptionGapNs
};

struct TimesliceResult {
  // A slice is a task's run between two peer handoffs (gaps in which another task of the crew
  // ran); outside gaps inside it (no task ran) do not end it and are not part of it.
  Distribution slices;     // all tasks pooled, ns
  Distribution peer_gaps;  // the handoff gaps' lengths, all tasks pooled, ns
  std::uint64_t outside_gaps_in_slices = 0;  // outside gaps inside the slices above
  std::uint64_t outside_ns_in_slices = 0;    // and their total
  LostTime lost;              // the merged timeline and the kernel's counts for the window
  double advertised_ns = 0;   // sched_rr_get_interval() in the tasks' own policy
  double window_ns = 0;       // the first task's first read to the last task's last read
  double loop_step_ns = 0;    // mean time between two clock reads while a task runs
  std::string error;          // non-empty: no figures; "skipped: ..." when the kernel refused
};

// The clock is the TSC converted to ns when it is invariant (a read is a few ns cheaper, so the
// loop's step is finer), CLOCK_MONOTONIC otherwise. The same-CPU placement's CPU.
TimesliceResult measure_timeslices(const TimesliceConfig& config);

}  // namespace bench_switch
