// Family `contention`: the same total work (1,000 chunks of about 10 µs of spin_work: about 10 ms)
// split among N workers, once all contending for one lock (shared:1), once each with a lock of its
// own (shared:0). One iteration is the whole work done once; real_time is its wall time, from
// releasing the workers until the last finishes. Threads are unpinned, free to use every CPU;
// fibers share one thread, pinned to one CPU.
//   speedup = T(1) / T(N)
// where T(1) is the same work with one worker, same task kind and mode, measured in the same call
// right before the timed loop (so both are taken under the same machine conditions), and T(N) the
// mean of the call's iterations. On one thread fibers cannot go faster than one worker: what their
// speedup shows is what interleaving and the lock cost them.
#include <fmt/format.h>

#include <optional>

#include "experiments/contention.hpp"
#include "measure/affinity.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

// Why a run cannot be reported: a lost or doubled chunk, or a lock that let two in.
std::string broken(const ContentionRun& r, const ContentionWork& w) {
  if (r.chunks_done != w.chunks) return fmt::format("{} chunks done instead of {}", r.chunks_done, w.chunks);
  if (r.exclusion_violations != 0) return fmt::format("the lock let two workers in {} times", r.exclusion_violations);
  return {};
}

void BM_Contention(benchmark::State& state, TaskKind task, int n, bool shared) {
  try {
    std::optional<ScopedPin> pin;
    if (task == TaskKind::fiber) {
      std::string why_not;
      const auto one = resolve_placement(PlacementKind::one_thread, why_not);
      if (!one) return skip(state, why_not);
      pin.emplace(one->measuring);
    }
    const ContentionWork work = default_contention_work();
    const ContentionRun alone = run_contention(task, 1, shared, work);  // T(1); also the warm-up
    if (const std::string why = broken(alone, work); !why.empty()) return state.SkipWithError(why.c_str());
    double total_ns = 0, total_cpu_ns = 0;
    std::uint64_t runs = 0;
    std::string why;
    for (auto _ : state) {
      const ContentionRun r = run_contention(task, n, shared, work);
      state.SetIterationTime(r.elapsed_ns * 1e-9);
      total_ns += r.elapsed_ns, total_cpu_ns += r.cpu_ns, ++runs;
      if (why.empty()) why = broken(r, work);
    }
    if (!why.empty()) return state.SkipWithError(why.c_str());
    const double mean_ns = total_ns / static_cast<double>(runs);
    auto& c = state.counters;
    c["speedup"] = alone.elapsed_ns / mean_ns;
    c["elapsed_ns"] = mean_ns;
    c["baseline_ns"] = alone.elapsed_ns;
    c["chunks"] = static_cast<double>(work.chunks);
    // How many CPUs the workers really had, on average: for threads on their own locks about
    // min(N, CPUs) on a quiet machine; for one worker or fibers about 1. A baseline under ~0.95
    // means something else on the machine took the CPU during T(1), and the speedup is not to be
    // trusted (the scheduler is fair per thread: N busy workers also take a bigger share of a busy
    // machine than one does, so there the speedup can even exceed the CPU count).
    c["cpu_utilisation"] = total_cpu_ns / total_ns;
    c["baseline_cpu_utilisation"] = alone.cpu_ns / alone.elapsed_ns;
    // What a chunk really took (one worker, chunk after chunk, lock and dispenser included): the
    // "10 µs" is nominal, through spin_work's calibration, which a busy machine can throw off.
    c["chunk_ns"] = alone.elapsed_ns / static_cast<double>(work.chunks);
  } catch (const PinRefused& e) {
    skip(state, e.what());
  } catch (const std::exception& e) {  // workers refused by a limit: a skip naming it; else a failure
    skip_if_refused(state, "a contention worker", "contention run failed", e);
  }
}

// N = 1, 2, 4, ... up to 4 x the CPUs this process may use (1, 2, 4, 8 on 2 CPUs): from no
// parallelism, through one worker per CPU, to more workers than CPUs.
std::vector<int> worker_counts() {
  const int most = 4 * static_cast<int>(allowed_cpus().size());
  std::vector<int> ns;
  for (int n = 1; n < most; n *= 2) ns.push_back(n);
  ns.push_back(most);
  return ns;
}

const bool contention_registered = [] {
  describe_family("contention", {"ns to do the same work split among N workers; shared:1 one lock for all, shared:0 "
                                 "a lock each; speedup = T(1) / T(N)",
                                 {{"speedup", "speedup"}, {"cpu_utilisation", "CPUs"}, {"baseline_cpu_utilisation", "T(1) CPUs"}}});
  struct Case {
    const char* mechanism;
    const char* kind;
    TaskKind task;
    PlacementKind where;
  };
  constexpr Case kCases[] = {
      {"contention_threads", "preemptive", TaskKind::thread, PlacementKind::unpinned},
      {"contention_fibers", "cooperative", TaskKind::fiber, PlacementKind::one_thread},
  };
  for (const Case& c : kCases) {
    for (const int n : worker_counts()) {
      for (const bool shared : {true, false}) {
        const std::string name = fmt::format("contention/{}/N:{}/shared:{}", c.mechanism, n, shared ? 1 : 0);
        EntryFields fields{"contention", c.mechanism, c.kind, std::string(to_string(c.task)), std::string(to_string(c.where)),
                           "ns to do the whole work (1,000 chunks of about 10 µs) with N workers",
                           {{"N", n}, {"shared", shared ? 1 : 0}}};
        fixed_budget(add_benchmark(name, fields,
                                   [task = c.task, n, shared](benchmark::State& s) { BM_Contention(s, task, n, shared); }),
                     3, 0.01);
        if (n == 2) mark_quick(name);
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
