// Family `memory`: what an idle task costs in memory. One iteration creates N = 1,000 tasks of one
// kind, each started and then waiting (threads blocked on a latch, processes blocked reading a
// pipe, fibers and coroutines suspended), reads the memory they added, and lets them all finish.
// real_time is the time to create the N tasks (until every one has reached its wait), not a
// per-task figure; create_ns_per_task divides it. The counters are the figures this family is for:
//   rss_bytes_per_task      resident bytes each task adds (for processes: each child's private bytes)
//   virtual_bytes_per_task  address space each task reserves (thread and fiber stacks are reserved
//                           whole, and filled only as far as they are used)
// Each benchmark runs exactly once: 1,000 processes are not free, and a second run would measure
// the same pages again.
#include <fmt/format.h>

#include <cmath>

#include "experiments/memory.hpp"
#include "measure/affinity.hpp"
#include "registry.hpp"
#include "wait_bound.hpp"

namespace bench_switch {
namespace {

constexpr std::size_t kTasks = 1000;

void BM_Memory(benchmark::State& state, TaskKind kind, PlacementKind where) {
  std::string why_not;
  const auto placement = resolve_placement(where, why_not);
  if (!placement) return skip(state, why_not);
  IdleMemory m;
  std::string error;
  try {
    // Pinned like the spawn family (children and threads inherit the mask), so the creation time
    // is comparable with it; the memory figures do not depend on it.
    ScopedPin pin(placement->measuring);
    const WaitBound bound;  // a child stopped on its way to its wait fails the run, not hangs it
    for (auto _ : state) {
      m = measure_idle_memory(kind, kTasks);
      state.SetIterationTime(m.create_ns * 1e-9);
    }
  } catch (const PinRefused& e) {
    return skip(state, e.what());
  } catch (const std::exception& e) {
    return skip_if_refused(state, fmt::format("{} idle tasks", kTasks), fmt::format("could not hold {} idle tasks", kTasks), e);
  }
  auto& c = state.counters;
  c["rss_bytes_per_task"] = m.rss_bytes_per_task;
  c["virtual_bytes_per_task"] = m.virtual_bytes_per_task;
  // The kernel's growth is a machine-wide reading: stated only above its control (the same
  // reading's change with no task made), otherwise unresolved and absent, never a number.
  const bool kernel_resolved = std::abs(m.kernel_bytes_per_task) > m.kernel_noise_bytes_per_task ||
                               (m.kernel_bytes_per_task == 0 && m.kernel_noise_bytes_per_task == 0);
  // Set in every repetition (NaN, written null, when unresolved): Google Benchmark 1.7 crashes when
  // a later repetition has a counter the first lacked (bench_switch --repetitions).
  c["kernel_bytes_per_task"] = kernel_resolved ? m.kernel_bytes_per_task : NAN;
  c["kernel_noise_bytes_per_task"] = m.kernel_noise_bytes_per_task;
  c["kernel_bytes_resolved"] = kernel_resolved ? 1 : 0;
  c["create_ns_per_task"] = m.create_ns / static_cast<double>(m.tasks);
  c["tasks"] = static_cast<double>(m.tasks);
  if (kind == TaskKind::process) c["pss_bytes_per_task"] = m.pss_bytes_per_task;
  if (kind == TaskKind::coroutine) c["frame_bytes"] = m.frame_bytes;
}

struct MemoryCase {
  const char* mechanism;
  const char* kind;
  TaskKind task;
  PlacementKind where;
};
constexpr MemoryCase kMemoryCases[] = {
    {"idle_thread", "preemptive", TaskKind::thread, PlacementKind::same_cpu},
    {"idle_process", "preemptive", TaskKind::process, PlacementKind::same_cpu},
    {"idle_fiber", "cooperative", TaskKind::fiber, PlacementKind::one_thread},
    {"idle_coroutine", "cooperative", TaskKind::coroutine, PlacementKind::one_thread},
};

const bool memory_registered = [] {
  describe_family("memory", {fmt::format("ns to create {} idle tasks; bytes per idle task: resident (rss), reserved "
                                         "(virtual), kernel stacks + page tables (kernel)", kTasks),
                             {{"rss_bytes_per_task", "rss B"}, {"virtual_bytes_per_task", "virtual B"},
                              {"kernel_bytes_per_task", "kernel B"}}});
  add_row_note("memory", [](const benchmark::UserCounters& c) -> std::string {
    const auto r = c.find("kernel_bytes_resolved"), noise = c.find("kernel_noise_bytes_per_task");
    if (r == c.end() || r->second.value != 0 || noise == c.end()) return "";
    return fmt::format("kernel: not above its noise (± {:.0f} B per task)", noise->second.value);
  });
  for (const MemoryCase& mc : kMemoryCases) {
    const std::string name = fmt::format("memory/{}/N:{}", mc.mechanism, kTasks);
    EntryFields fields{"memory", mc.mechanism, mc.kind, std::string(to_string(mc.task)), std::string(to_string(mc.where)),
                       fmt::format("ns to create {} idle tasks (all started and waiting); the figures are the "
                                   "bytes-per-task counters", kTasks),
                       {{"N", kTasks}}};
    // Exactly one run, also in --quick: Repetitions and Iterations set here, not through
    // fixed_budget, whose --quick shrink would set 3 repetitions.
    add_benchmark(name, fields, [task = mc.task, where = mc.where](benchmark::State& s) { BM_Memory(s, task, where); })
        ->Iterations(1)
        ->Repetitions(1);
    // The quick set leaves out the processes: a thousand forks and reaps are most of this family's time.
    if (mc.task != TaskKind::process) mark_quick(name);
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
