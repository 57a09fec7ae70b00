#include "experiments/contention.hpp"

#include <time.h>

#include <boost/fiber/all.hpp>

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "measure/clock.hpp"
#include "measure/work.hpp"

namespace bench_switch {
namespace {

constexpr std::uint64_t kChunks = 1000;
constexpr double kChunkNs = 10'000;

// One lock and the count of workers inside it. A cache line each: in independent mode the workers'
// locks must not share a line, or they would contend for it after all (false sharing).
template <class Mutex>
struct alignas(64) Lane {
  Mutex mutex;
  std::atomic<int> inside{0};
};

// The chunk dispenser and the tally of exclusion failures, shared by all workers. The dispenser is
// one atomic add per 10 µs chunk in both modes: shared, but not enough to contend measurably.
struct Dispenser {
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> violations{0};
};

// A worker's whole life: take the next chunk number until there is none left, do the chunk under
// `lane`'s lock, count it. Returns how many chunks it did.
template <class Mutex, class Yield>
std::uint64_t work_chunks(Dispenser& d, Lane<Mutex>& lane, const ContentionWork& w, Yield yield) {
  std::uint64_t mine = 0;
  while (d.next.fetch_add(1, std::memory_order_relaxed) < w.chunks) {
    {
      std::lock_guard<Mutex> guard(lane.mutex);
      // Nobody else may be inside the same lock: the count proves the lock excluded (tests read it).
      if (lane.inside.fetch_add(1, std::memory_order_relaxed) != 0) d.violations.fetch_add(1, std::memory_order_relaxed);
      spin_work(w.spin_units_per_chunk);
      lane.inside.fetch_sub(1, std::memory_order_relaxed);
    }
    ++mine;
    yield();
  }
  return mine;
}

// CPU time of every thread of this process (a syscall, unlike now_ns: two per run).
std::uint64_t process_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

ContentionRun finish(double elapsed_ns, double cpu_ns, std::vector<std::uint64_t> per_worker, const Dispenser& d) {
  ContentionRun r;
  r.elapsed_ns = elapsed_ns;
  r.cpu_ns = cpu_ns;
  for (const std::uint64_t c : per_worker) r.chunks_done += c;
  r.per_worker = std::move(per_worker);
  r.exclusion_violations = d.violations.load();
  return r;
}

ContentionRun run_threads(int n, bool shared, const ContentionWork& w) {
  const auto workers = static_cast<std::size_t>(n);
  Dispenser d;
  // Lanes are not movable (they hold a mutex): an array, built in place.
  const auto lanes = std::make_unique<Lane<std::mutex>[]>(shared ? 1 : workers);
  std::vector<std::uint64_t> counts(workers, 0);  // each written once, by its worker, at its end
  std::atomic<bool> go{false};
  // The measuring thread waits for the end on a latch (a futex), not by spinning: spinning would
  // take one of the CPUs the workers are measured on.
  std::latch done(n);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  try {
    for (std::size_t i = 0; i < workers; ++i)
      threads.emplace_back([&, i] {
        go.wait(false);  // created before the clock starts; all released at once
        counts[i] = work_chunks(d, lanes[shared ? 0 : i], w, [] {});
        done.count_down();
      });
  } catch (...) {  // a thread refused (a limit): let the ones made finish, so they can be joined
    go.store(true);
    go.notify_all();
    for (std::thread& t : threads) t.join();
    throw;
  }
  const std::uint64_t c0 = process_cpu_ns(), t0 = now_ns();
  go.store(true);
  go.notify_all();
  done.wait();
  const std::uint64_t t1 = now_ns(), c1 = process_cpu_ns();
  for (std::thread& t : threads) t.join();
  return finish(static_cast<double>(t1 - t0), static_cast<double>(c1 - c0), std::move(counts), d);
}

ContentionRun run_fibers(int n, bool shared, const ContentionWork& w) {
  const auto workers = static_cast<std::size_t>(n);
  Dispenser d;
  const auto lanes = std::make_unique<Lane<boost::fibers::mutex>[]>(shared ? 1 : workers);
  std::vector<std::uint64_t> counts(workers, 0);
  std::vector<boost::fibers::fiber> fibers;
  fibers.reserve(workers);
  // Created here, on this thread's fiber scheduler (round robin), but not run: a new fiber only
  // runs once this one blocks in join() below, inside the timed span. Each yields after every
  // chunk, so the N interleave chunk by chunk. None ever yields while holding the lock: on one
  // thread nobody can be preempted inside it, so even the shared lock is never found taken.
  for (std::size_t i = 0; i < workers; ++i)
    fibers.emplace_back([&, i] {
      counts[i] = work_chunks(d, lanes[shared ? 0 : i], w, [] { boost::this_fiber::yield(); });
    });
  const std::uint64_t c0 = process_cpu_ns(), t0 = now_ns();
  for (boost::fibers::fiber& f : fibers) f.join();
  const std::uint64_t t1 = now_ns(), c1 = process_cpu_ns();
  return finish(static_cast<double>(t1 - t0), static_cast<double>(c1 - c0), std::move(counts), d);
}

}  // namespace

ContentionWork default_contention_work() {
  static const ContentionWork work{kChunks, spin_units_for_ns(kChunkNs)};
  return work;
}

ContentionRun run_contention(TaskKind task, int workers, bool shared, const ContentionWork& work) {
  if (workers < 1) throw std::invalid_argument("run_contention needs at least one worker");
  if (task != TaskKind::thread && task != TaskKind::fiber) throw std::invalid_argument("contention's workers are threads or fibers");
  return task == TaskKind::thread ? run_threads(workers, shared, work) : run_fibers(workers, shared, work);
}

}  // namespace bench_switch
