// Family `contention`: the same total work split among N workers, once all contending for one
// resource under one lock, once each with a lock of its own; for kernel threads (free to use every
// CPU) and for Boost.Fiber fibers on one thread. No Google Benchmark here: bench/contention.cpp
// times it.
#pragma once
#include <cstdint>
#include <vector>

#include "task_kind.hpp"

namespace bench_switch {

// The total work: `chunks` chunks of `spin_units_per_chunk` steps of spin_work each.
struct ContentionWork {
  std::uint64_t chunks = 0;
  std::uint64_t spin_units_per_chunk = 0;
};

// About 10 ms of work in chunks of about 10 µs (1,000 chunks), sized on first use (spin_work's
// calibration takes about 15 ms, so it is not done at start-up).
ContentionWork default_contention_work();

struct ContentionRun {
  double elapsed_ns = 0;                    // from releasing the workers until the last has finished
  // CPU time this process used over the same span (all its threads). cpu_ns / elapsed_ns is how many
  // CPUs the workers really had: under 1 for one worker means something else took its CPU.
  double cpu_ns = 0;
  std::uint64_t chunks_done = 0;            // the sum of the chunks each worker counted doing
  std::vector<std::uint64_t> per_worker;    // how the chunks were shared out
  std::uint64_t exclusion_violations = 0;   // times a worker found another inside the same lock
};

// Runs the whole work once with `workers` workers. Each worker takes the next chunk number from a
// shared atomic counter until there is none left, and does the chunk while holding a lock: with
// `shared`, one lock for all (std::mutex for threads, boost::fibers::mutex for fibers); without,
// a lock of its own, taken the same way but never contended, so the two modes differ only in
// contention. Fibers yield after every chunk so they interleave. Worker creation and teardown are
// not in elapsed_ns.
// Throws std::invalid_argument for a task kind other than thread or fiber.
ContentionRun run_contention(TaskKind task, int workers, bool shared, const ContentionWork& work);

}  // namespace bench_switch
