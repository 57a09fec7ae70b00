#include "mechanisms.hpp"

#include <algorithm>

#include "arch/current.hpp"
#include "mechanisms/carriers/asio_post.hpp"
#include "mechanisms/carriers/condvar.hpp"
#include "mechanisms/carriers/eventfd.hpp"
#include "mechanisms/carriers/futex.hpp"
#include "mechanisms/carriers/io_uring.hpp"
#include "mechanisms/carriers/pipe.hpp"
#include "mechanisms/carriers/semaphore.hpp"
#include "mechanisms/carriers/socketpair.hpp"
#include "mechanisms/carriers/turn.hpp"
#include "mechanisms/cooperative.hpp"
#include "mechanisms/kernel_pair.hpp"

namespace bench_switch {

std::string_view to_string(Scheduling kind) {
  switch (kind) {
    case Scheduling::preemptive: return "preemptive";
    case Scheduling::cooperative: return "cooperative";
    case Scheduling::baseline: return "baseline";
  }
  return "?";
}

namespace {
using P = PlacementKind;
using Placements = std::vector<std::pair<P, std::string_view>>;
// Functions, not namespace-scope vectors: benchmarks are registered from other files' static
// initialisers, which may run before this file's.
// Every placement, each skipped with `why` except those in `measured` (an empty `why`: all measured).
Placements only(std::initializer_list<P> measured, std::string_view why) {
  Placements all;
  for (const P where : preemptive_placements())
    all.emplace_back(where, std::find(measured.begin(), measured.end(), where) != measured.end() ? "" : why);
  return all;
}
Placements all_placements() { return only({}, ""); }

// A busy-spin needs its two sides on two CPUs at once: every pinned pair, but not one CPU.
Placements spin_placements() {
  Placements all = all_placements();
  for (auto& [where, why] : all) {
    if (where == P::same_cpu) why = "skipped: a busy-spin on one CPU advances only when the tick preempts the spinner";
    if (where == P::unpinned) why = "skipped: unpinned, the scheduler may put both spinners on one CPU (see same_cpu)";
  }
  return all;
}

template <class Carrier>
std::function<std::unique_ptr<Handoff>()> alone() {
  if constexpr (requires { Carrier::has_syscalls_of_its_own; })
    return [] { return std::make_unique<CarrierAlone<Carrier>>(); };
  else
    return {};
}

template <template <class> class Pair, class Carrier>
Mechanism kernel(std::string_view name, TaskKind task, std::string_view summary,
                 Placements placements = all_placements()) {
  return {name, Scheduling::preemptive, task, summary, std::move(placements),
          [](const Placement& p, const Work& w) { return std::make_unique<Pair<Carrier>>(p, w); }, alone<Carrier>()};
}

Mechanism one_thread(std::string_view name, Scheduling kind, TaskKind task, std::string_view summary,
                     std::unique_ptr<Handoff> (*make)(const Work&)) {
  return {name, kind, task, summary, {{P::one_thread, ""}}, [make](const Placement&, const Work& w) { return make(w); }, {}};
}
}  // namespace

const std::vector<Mechanism>& mechanisms() {
  static const std::vector<Mechanism> list = {
      kernel<ThreadPair, FutexCarrier>("thread_futex", TaskKind::thread, "a raw futex word per direction: FUTEX_WAKE, FUTEX_WAIT"),
      kernel<ThreadPair, CondvarCarrier>("thread_condvar", TaskKind::thread, "std::mutex and std::condition_variable"),
      kernel<ThreadPair, PipeCarrier>("thread_pipe", TaskKind::thread, "a pipe per direction, 8-byte token"),
      kernel<ThreadPair, EventfdCarrier>("thread_eventfd", TaskKind::thread, "an eventfd per direction"),
      kernel<ThreadPair, SemaphoreCarrier>("thread_semaphore", TaskKind::thread, "a POSIX semaphore per direction (sem_post, sem_wait)"),
      kernel<ThreadPair, AsioPostCarrier>("thread_asio", TaskKind::thread, "two threads, each running its own Asio io_context, posting the token to the other's"),
      kernel<ThreadPair, IoUringCarrier>("thread_io_uring", TaskKind::thread, "a ring per thread: IORING_OP_MSG_RING posts the token into the other's ring", only({}, io_uring_unavailable())),
      kernel<ThreadPair, SchedYieldCarrier>("thread_sched_yield", TaskKind::thread, "a shared turn word polled with sched_yield",
          only({P::same_cpu}, "skipped: sched_yield hands the CPU over only to a thread on the same CPU")),
      kernel<ThreadPair, SpinCarrier>("thread_spin", TaskKind::thread, "a shared turn word busy-polled (no kernel): one cache line between CPUs",
          spin_placements()),
      kernel<ProcessPair, PipeCarrier>("process_pipe", TaskKind::process, "a pipe per direction between parent and child (lmbench lat_ctx)"),
      kernel<ProcessPair, FutexCarrier>("process_futex", TaskKind::process, "a futex word per direction in MAP_SHARED memory"),
      kernel<ProcessPair, SocketpairCarrier>("process_socketpair", TaskKind::process, "a UNIX stream socketpair"),
      kernel<ProcessPair, IoUringCarrier>("process_io_uring", TaskKind::process, "a ring per process: IORING_OP_MSG_RING posts the token into the other's ring", only({}, io_uring_unavailable())),
      one_thread("fcontext_fiber", Scheduling::cooperative, TaskKind::fiber, "Boost.Context fiber::resume (fcontext)", &make_fcontext_fiber),
      one_thread("ucontext_fiber", Scheduling::cooperative, TaskKind::fiber, "POSIX swapcontext (saves the signal mask: a syscall)", &make_ucontext_switch),
      one_thread("boost_fiber_yield", Scheduling::cooperative, TaskKind::fiber, "Boost.Fiber this_fiber::yield through its round-robin scheduler", &make_boost_fiber_yield),
      one_thread("coroutine", Scheduling::cooperative, TaskKind::coroutine, "C++20 stackless coroutines, symmetric transfer", &make_coroutine_transfer),
      one_thread("asio_coroutine", Scheduling::cooperative, TaskKind::coroutine, "two C++20 coroutines on one Asio io_context, each yielding by co_await asio::post", &make_asio_coroutine),
      one_thread("asm_switch", Scheduling::cooperative, TaskKind::fiber, arch::kAsmSwitchDescription, &make_asm_switch),
      one_thread("asm_switch_fpenv", Scheduling::cooperative, TaskKind::fiber, arch::kAsmSwitchFpenvDescription, &make_asm_switch_fpenv),
      one_thread("indirect_call", Scheduling::baseline, TaskKind::call, "no switch: a call through a function pointer and its return", &make_indirect_call),
  };
  return list;
}

bool measurable_here(const Mechanism& m) {
  return std::any_of(m.placements.begin(), m.placements.end(), [](const auto& p) { return p.second.empty(); });
}

const Mechanism* find_mechanism(std::string_view name) {
  for (const Mechanism& m : mechanisms())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace bench_switch
