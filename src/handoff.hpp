// The one interface every mechanism implements, so each experiment is written once over all of them.
#pragma once
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bench_switch {

// What each side saw: the token carries a sequence number, and each side checks that it receives
// exactly the next one. Tests read this; benchmarks fail a run whose tally is wrong.
struct Tally {
  std::uint64_t measuring_received = 0;  // tokens the measuring side (side 0) received
  std::uint64_t partner_received = 0;    // tokens the partner (side 1) received
  std::uint64_t out_of_order = 0;        // tokens whose sequence number was not the expected one
};

// Two tasks that pass control back and forth. One handoff from one task to the other is a
// *switch*; run(n) performs n round trips, that is 2n switches. The partner exists from the
// constructor to the destructor, so creating it is never inside a timed run.
class Handoff {
 public:
  virtual ~Handoff() = default;
  virtual void run(std::uint64_t round_trips) = 0;
  // The kernel tasks (thread or process ids) that take part, whose counters prove the figure.
  virtual std::vector<pid_t> tasks() const = 0;
  virtual Tally tally() const = 0;
};

// Thrown by run() when the partner stopped answering: it died, was stopped, or gave no answer
// within the wait bound (wait_bound.hpp). what() names the partner and what became of it, e.g.
// "partner process 1234 killed by signal 9 (Killed) after 51200 handoffs". The Handoff can still
// be destroyed, and its destructor still reaps or joins everything it made.
struct PartnerLost : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A known slowdown for checking the regression tracker: one syscall per handoff, only in a build
// configured with -DBENCH_SWITCH_INJECT_SLOWDOWN=ON (docs/CI.md); nothing at all otherwise.
inline void injected_slowdown() {
#if defined(BENCH_SWITCH_INJECT_SLOWDOWN)
  syscall(SYS_getppid);
#endif
}

// The sequence number that tells a partner to leave its loop; no run gets near it. (Not ~0:
// an eventfd cannot carry 2^64 - 1.)
inline constexpr std::uint64_t kStopToken = std::uint64_t{1} << 62;

}  // namespace bench_switch
