// Bare loops: the few lines a user would write to time each family's headline switch, kept apart
// from the harness (no Handoff, no harness clock, pinning, work or MXCSR helper) so that every run
// can check the harness against them (bench/self_check.cpp). They share nothing with the harness
// beyond the library being measured. One file per loop; each is made once and timed in batches.
#pragma once
#include <cstdint>
#include <memory>

namespace bench_switch::bare {

class BareLoop {
 public:
  virtual ~BareLoop() = default;
  // Wall nanoseconds of `round_trips` round trips (2 × round_trips one-way switches), read from
  // CLOCK_MONOTONIC once before and once after.
  virtual double round_trips_ns(std::uint64_t round_trips) = 0;
};

// A Boost.Context fiber resumed and resuming back. The fiber is made while the calling thread's
// MXCSR is `fiber_mxcsr` (its context copies it); every batch then runs with the caller's MXCSR at
// `caller_mxcsr`, and the caller's own value is put back after it.
std::unique_ptr<BareLoop> make_fcontext_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr);
// Boost.Fiber's main fiber and one worker yielding to each other through the round-robin
// scheduler, on a thread of the loop's own pinned where the caller is; MXCSR as above.
std::unique_ptr<BareLoop> make_boost_fiber_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr);
// A ucontext fiber and the caller swapping contexts (glibc's swapcontext); MXCSR as above.
std::unique_ptr<BareLoop> make_ucontext_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr);
// Two C++20 coroutines handing over by symmetric transfer.
std::unique_ptr<BareLoop> make_coroutine_pingpong();
// Two threads on the calling thread's CPU (sched_getcpu: the caller must be pinned), one futex word
// per direction.
std::unique_ptr<BareLoop> make_futex_pingpong();
// Two processes on the calling thread's CPU, a pipe per direction (lmbench lat_ctx's loop).
std::unique_ptr<BareLoop> make_pipe_pingpong();

// CLOCK_MONOTONIC in ns, the bare loops' own reading.
std::uint64_t bare_now_ns();

}  // namespace bench_switch::bare
