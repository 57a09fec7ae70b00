// Bounding every blocking wait on a partner, at no cost to a handoff that arrives on time.
//
// A wait on a partner (FUTEX_WAIT, a pipe, socket or eventfd read, sem_wait, a condition
// variable, waitpid, a polled turn word) blocks until the partner answers: forever, if it died,
// was stopped or wedged. A timeout on every wait would bound it, but is not free: a timed wait
// arms and cancels a kernel timer on every switch (measured: +11 % on a same-CPU condvar handoff,
// docs/FAULTS.md), and read() has none. Instead a thread that waits on partners holds a
// WaitBound, whose ticker thread, every kWaitTickNs:
//  - counts a tick for that thread;
//  - sends it a signal whose handler does nothing: installed without SA_RESTART, it makes
//    whatever blocking call the thread is in return EINTR;
//  - wakes every TickWaker, for the waits a signal cannot cut short (pthread_cond_wait resumes
//    its own wait after a signal handler returns).
// A wait notes the tick count when it starts (one thread-local load) and, only when it was
// interrupted or woken, checks whether kGiveUpTicks ticks have passed since: then it gives up,
// and the caller finds out what became of the partner. A handoff on time costs nothing more than
// one interrupted wait every kWaitTickNs.
//
// The bound is the harness's: only the measuring thread holds a WaitBound. A partner never needs
// one: a partner thread's peer is the harness itself, which always sends it the stop token, and a
// partner process is killed with its parent (PR_SET_PDEATHSIG) or by the harness when it gives up.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace bench_switch {

inline constexpr std::uint64_t kWaitTickNs = 250'000'000;
// 8 ticks: a wait gives up 1.75 to 2 s after it started without an answer, far above any handoff
// (the slowest, a cross-CPU wake-up on a VM or a process ring of 1,000, takes milliseconds).
inline constexpr std::uint32_t kGiveUpTicks = 8;
inline constexpr double kGiveUpSeconds = static_cast<double>(kGiveUpTicks * kWaitTickNs) * 1e-9;

// The ticks this thread has received; it only advances while the thread holds a WaitBound.
std::uint32_t wait_ticks();

// Ticks for the calling thread for its lifetime (nested bounds share one ticker). Held around a
// benchmark's own code, never around the console or file output, whose writes an EINTR would cut
// short.
class WaitBound {
 public:
  WaitBound();
  ~WaitBound();
  WaitBound(const WaitBound&) = delete;
  WaitBound& operator=(const WaitBound&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread ticker_;  // only in the outermost bound of a thread
};

// `wake` is called on every tick of every WaitBound for as long as this object lives: for a wait
// that a signal does not interrupt (a condition variable: wake notifies it, and the waiter checks
// its PartnerWait). Destroying it waits until no tick is calling it.
class TickWaker {
 public:
  explicit TickWaker(std::function<void()> wake);
  ~TickWaker();
  TickWaker(const TickWaker&) = delete;
  TickWaker& operator=(const TickWaker&) = delete;

 private:
  std::function<void()> wake_;
};

// One wait's view of the bound: constructed when the wait starts.
class PartnerWait {
 public:
  PartnerWait() : start_(wait_ticks()) {}
  // Call after the wait was interrupted (EINTR) or woken, or on every round of a polling loop.
  bool expired() const { return wait_ticks() - start_ >= kGiveUpTicks; }

 private:
  std::uint32_t start_;
};

}  // namespace bench_switch
