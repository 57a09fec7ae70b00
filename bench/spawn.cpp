// Family `spawn`: what it costs to create a task, start it and see it finish. One iteration is one
// task: created, run to its end (it does nothing), and released (thread joined, child reaped,
// stack or frame freed). Tasks are timed in batches of about a millisecond (a coroutine takes tens
// of ns, less than a clock read is worth alone); real_time is the batch's wall time per task.
// Kernel tasks are timed on one CPU: the calling thread is pinned, and every thread or child it
// creates inherits that mask, so creation never waits for another CPU to wake up.
#include <fmt/format.h>

#include <cerrno>

#include <map>
#include <optional>

#include "experiments/spawn.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/memory.hpp"
#include "registry.hpp"
#include "resource_refusal.hpp"
#include "task_kind.hpp"
#include "wait_bound.hpp"

namespace bench_switch {
namespace {

constexpr double kSpawnBatchNs = 1e6;

// Tasks per batch, chosen on the first call so a batch lasts about kSpawnBatchNs, and kept: Google
// Benchmark calls the function again for each sizing run and repetition, and every repetition must
// run whole batches of the same size.
template <class Once>
std::uint64_t batch_tasks(const std::string& key, Once& once) {
  static std::map<std::string, std::uint64_t> chosen;
  once();  // warm-up: first-use costs (a pool's first block, code and page faults) are not timed
  if (const auto it = chosen.find(key); it != chosen.end()) return it->second;
  std::uint64_t n = 1;
  double ns = 0;
  for (;;) {
    const std::uint64_t t0 = now_ns();
    for (std::uint64_t i = 0; i < n; ++i) once();
    ns = static_cast<double>(now_ns() - t0);
    if (ns >= kSpawnBatchNs / 5 || n >= (1u << 20)) break;
    n *= 2;
  }
  return chosen[key] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(kSpawnBatchNs * static_cast<double>(n) / ns));
}

template <class Once>
void BM_Spawn(benchmark::State& state, const std::string& key, PlacementKind where, bool process, Once once) {
  std::string why_not;
  const auto placement = resolve_placement(where, why_not);
  if (!placement) return skip(state, why_not);
  try {
    ScopedPin pin(placement->measuring);
    // Spawning waits on each child's exit: the bound makes a stopped child a failure, not a hang.
    std::optional<WaitBound> bound;
    if (process) bound.emplace();
    const std::uint64_t batch = batch_tasks(key, once);
    std::uint64_t tasks = 0, failed = 0;
    int refused = 0;  // the errno of a task a limit refused
    double ns = 0;
    while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
      const std::uint64_t t0 = now_ns();
      for (std::uint64_t i = 0; i < batch; ++i) {
        errno = 0;  // only this task's refusal is read
        if (!once()) ++failed, refused = is_refusal(errno) ? errno : refused;
      }
      const std::uint64_t t1 = now_ns();
      state.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
      ns += static_cast<double>(t1 - t0), tasks += batch;
    }
    // A task the kernel would not start (EAGAIN: RLIMIT_NPROC; ENOMEM) is a limit's refusal.
    if (refused != 0) return skip(state, refusal(fmt::format("{} of {} tasks could not start", failed, tasks), refused));
    if (failed != 0)
      return state.SkipWithError(fmt::format("{} of {} tasks did not run to a normal end", failed, tasks).c_str());
    state.counters["ns_per_task"] = ns / static_cast<double>(tasks);
    state.counters["tasks"] = static_cast<double>(tasks);
    // fork copies the parent's page tables, so its cost grows with what the parent has mapped;
    // the parent's size is printed beside the figure it explains.
    if (process) state.counters["parent_rss_bytes"] = static_cast<double>(read_memory().rss);
  } catch (const PinRefused& e) {
    skip(state, e.what());
  } catch (const std::exception& e) {  // a stack or thread refused by a limit: a skip naming it
    skip_if_refused(state, "a spawned task", "spawn failed", e);
  }
}

void register_spawn(const std::string& mechanism, const std::string& kind, TaskKind task, PlacementKind where,
                    std::function<void(benchmark::State&, const std::string&)> fn) {
  const std::string name = fmt::format("spawn/{}/{}", mechanism, to_string(where));
  EntryFields fields{"spawn", mechanism, kind, std::string(to_string(task)), std::string(to_string(where)),
                     "ns to create, start and finish one task (it does nothing)", {}};
  fixed_budget(add_benchmark(name, fields, [fn = std::move(fn), name](benchmark::State& s) { fn(s, name); }), 3, 0.02);
  mark_quick(name);  // every case is cheap: the quick set has them all
}

const bool spawn_registered = [] {
  describe_family("spawn", {"ns to create, start and finish one task (thread joined, child reaped, stack or frame freed)",
                            {{"tasks", "tasks"}}});
  const PlacementKind same = PlacementKind::same_cpu, one = PlacementKind::one_thread;
  register_spawn("spawn_thread", "preemptive", TaskKind::thread, same, [same](benchmark::State& s, const std::string& key) {
    BM_Spawn(s, key, same, false, [] { return spawn_thread(); });
  });
  register_spawn("spawn_fork", "preemptive", TaskKind::process, same, [same](benchmark::State& s, const std::string& key) {
    BM_Spawn(s, key, same, true, [] { return spawn_fork(); });
  });
  register_spawn("spawn_posix_spawn", "preemptive", TaskKind::process, same, [same](benchmark::State& s, const std::string& key) {
    const std::string program = find_program("true");
    if (program.empty()) return skip(s, "skipped: no 'true' program in PATH, /bin or /usr/bin to posix_spawn");
    BM_Spawn(s, key, same, true, [&program] { return spawn_posix_spawn(program); });
  });
  register_spawn("spawn_fiber_fixed_stack", "cooperative", TaskKind::fiber, one, [one](benchmark::State& s, const std::string& key) {
    BM_Spawn(s, key, one, false, [] { return spawn_fiber_fixed_stack(); });
  });
  register_spawn("spawn_fiber_pooled_stack", "cooperative", TaskKind::fiber, one, [one](benchmark::State& s, const std::string& key) {
    PooledFiberSpawner spawner;  // one pool for the whole call: its stacks are reused across iterations
    BM_Spawn(s, key, one, false, [&spawner] { return spawner(); });
  });
  register_spawn("spawn_coroutine", "cooperative", TaskKind::coroutine, one, [one](benchmark::State& s, const std::string& key) {
    BM_Spawn(s, key, one, false, [] { return spawn_coroutine(); });
  });
  return true;
}();

}  // namespace
}  // namespace bench_switch
