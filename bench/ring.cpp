// Family `ring`: N tasks on one CPU pass a token round a ring. How does a switch's cost
// grow with the number of tasks, each of which must be brought back into the caches (and, for
// kernel tasks, picked by the scheduler among N) when the token reaches it?
//
// One iteration is one hop: a node handing the token to the next, one switch. Each ring is a
// Handoff (src/experiments/ring.hpp), so the loop is the switch family's, BM_Switch, unchanged; a
// "round trip" there is two hops here. Threads and processes are pinned to one CPU (same_cpu),
// fibers run on the pinned calling thread (one_thread); the measuring task is node 0.
#include <fmt/format.h>

#include <deque>

#include "experiments/ring.hpp"
#include "registry.hpp"
#include "switch.hpp"

namespace bench_switch {
namespace {

struct RingKind {
  const char* name;
  Scheduling kind;
  TaskKind task;
  PlacementKind where;
  const char* summary;
  std::vector<std::size_t> sizes;
  std::unique_ptr<Handoff> (*make)(std::size_t n, const Placement& p);
};

// N up to 1,000 kernel tasks (each hop is then a futex wake-up and wait, some µs), to 100,000
// fibers (a hop is ns, and what grows is the memory the ring spans: 16 KiB of stack per fiber).
const RingKind kRings[] = {
    {"thread_ring", Scheduling::preemptive, TaskKind::thread, PlacementKind::same_cpu, "N threads, one private futex word each",
     {2, 10, 100, 1000}, &make_thread_ring},
    {"process_ring", Scheduling::preemptive, TaskKind::process, PlacementKind::same_cpu,
     "N processes, one futex word each in MAP_SHARED memory", {2, 10, 100, 1000}, &make_process_ring},
    {"fiber_ring", Scheduling::cooperative, TaskKind::fiber, PlacementKind::one_thread, "N Boost.Context fibers, each resuming the next",
     {2, 10, 100, 1000, 10000, 100000}, [](std::size_t n, const Placement&) { return make_fiber_ring(n); }},
};

// Building a ring can fail for want of resources the machine may lawfully refuse (RLIMIT_NPROC,
// threads-max, memory, mappings): add_benchmark's guard makes that a skip naming the limit, as a
// placement it cannot give. Anything else is a failure.

// The quick set's representatives: a middle N of each kernel kind (N = 1,000 costs seconds to
// build), and the fiber ring past the last-level cache.
constexpr const char* kRingQuick[] = {"ring/thread_ring/N:100", "ring/process_ring/N:100", "ring/fiber_ring/N:10000"};

const bool ring_registered = [] {
  for (const char* name : kRingQuick) mark_quick(name);
  // The Mechanism of each (ring, N), N captured by its make: BM_Switch keeps a pointer to it, so
  // it lives as long as the program (a deque never moves what it holds).
  static std::deque<Mechanism> mechanisms;
  describe_family("ring", {"ns per hop (one switch) around a ring of N tasks on one CPU; ksw = kernel context switches per hop",
                           {{"kernel_switches_per_switch", "ksw"}}});
  for (const RingKind& r : kRings) {
    for (const std::size_t n : r.sizes) {
      const Mechanism& m = mechanisms.emplace_back(Mechanism{
          r.name, r.kind, r.task, r.summary, {{r.where, ""}},
          // No Work: the ring measures bare hops.
          [make = r.make, n](const Placement& p, const Work&) { return make(n, p); }, {}});
      const std::string name = fmt::format("ring/{}/N:{}", r.name, n);
      EntryFields fields{"ring", r.name, std::string(to_string(r.kind)), std::string(to_string(r.task)), std::string(to_string(r.where)),
                         "ns per hop (one switch) around a ring of N tasks", {{"N", n}}};
      // 3 repetitions of at least 20 ms: BM_Switch builds the ring afresh on each call (the sizing
      // runs and every repetition), and building 1,000 processes or 100,000 fibers is what costs.
      const SwitchCase c{&m, r.where, Work{}, name};
      // One-way samples of every hop for the kernel rings; the fiber ring's short batches would
      // end a run every few hops, each with its home hop (ring_route.hpp), and change the route.
      const bool sampled = r.kind == Scheduling::preemptive;
      fixed_budget(add_benchmark(name, fields, [c, sampled](benchmark::State& s) { sampled ? BM_SwitchSampled(s, c) : BM_Switch(s, c); }),
                   3, 0.02);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
