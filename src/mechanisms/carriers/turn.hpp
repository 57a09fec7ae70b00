// A shared "whose turn" word that the receiver polls: with sched_yield between polls (the kernel
// runs the other thread on this CPU), or with a spin-hint busy-spin (no kernel at all: the
// cost is one cache line moving between two CPUs, the floor under every cross-CPU handoff).
#pragma once
#include <sched.h>

#include <atomic>
#include <cstdint>

#include "handoff.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "mechanisms/shared_block.hpp"
#include "wait_bound.hpp"

#include "arch/current.hpp"

namespace bench_switch {

struct YieldPoll {
  static void wait() { sched_yield(); }
};
struct SpinPoll {
  static void wait() { arch::spin_pause(); }  // pause (x86-64) or yield (aarch64): the spin-loop hint
};

template <class Poll>
class TurnCarrier {
 public:
  explicit TurnCarrier(bool process_shared) : shared_(process_shared) {}
  void send(int to_side, std::uint64_t seq) {
    shared_->seq[to_side] = seq;
    shared_->turn.store(to_side, std::memory_order_release);
  }
  std::uint64_t receive(int side) {
    const PartnerWait wait;  // a polling loop sees no EINTR: it asks the bound on every round
    while (shared_->turn.load(std::memory_order_acquire) != side) {
      Poll::wait();
      if (wait.expired()) return kStopToken;
    }
    return shared_->seq[side];
  }
  void keep_side(int) {}
  StampSlot& stamp_slot(int to_side) { return shared_->stamp[to_side]; }

 private:
  // Turn, tokens and their stamps (latency_stamps.hpp) in one cache line: one line moves per handoff.
  struct alignas(64) Line {
    std::atomic<int> turn{0};
    std::uint64_t seq[2] = {0, 0};
    StampSlot stamp[2] = {0, 0};
  };
  SharedBlock<Line> shared_;
};

using SchedYieldCarrier = TurnCarrier<YieldPoll>;
using SpinCarrier = TurnCarrier<SpinPoll>;

}  // namespace bench_switch
