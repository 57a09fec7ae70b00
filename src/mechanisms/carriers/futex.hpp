// A raw futex per direction: FUTEX_WAIT until the word changes, FUTEX_WAKE after changing it.
#pragma once
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "handoff.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "mechanisms/shared_block.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

class FutexCarrier {
 public:
  static constexpr bool has_syscalls_of_its_own = true;  // measured alone too: see CarrierAlone
  // FUTEX_PRIVATE_FLAG lets the kernel key the futex by address in this process alone, which is
  // cheaper; across fork() the word is in MAP_SHARED memory and must be keyed by page instead.
  explicit FutexCarrier(bool process_shared)
      : shared_(process_shared), private_flag_(process_shared ? 0 : FUTEX_PRIVATE_FLAG) {}

  void send(int to_side, std::uint64_t seq) {
    Box& box = shared_->to[to_side];
    box.seq.store(seq, std::memory_order_relaxed);
    box.bell.fetch_add(1, std::memory_order_release);  // publishes seq
    futex(box.bell, FUTEX_WAKE, 1);  // always: this is the raw futex, no "is anyone waiting" shortcut
  }
  std::uint64_t receive(int side) {
    Box& box = shared_->to[side];
    std::uint32_t heard = heard_[side];
    const PartnerWait wait;
    while (box.bell.load(std::memory_order_acquire) == heard) {
      // The bell unchanged after a return: a wake-up for someone else, or the wait bound's tick.
      if (futex(box.bell, FUTEX_WAIT, heard) != 0 && wait.expired()) return kStopToken;
    }
    heard_[side] = heard + 1;
    return box.seq.load(std::memory_order_relaxed);
  }
  void keep_side(int) {}
  StampSlot& stamp_slot(int to_side) { return shared_->to[to_side].stamp; }
  // Alone in one task the word has always changed already, so receive() would make no syscall;
  // a FUTEX_WAIT on a stale value (it returns EAGAIN at once) charges the waiter's syscall too.
  std::uint64_t loopback(int side, std::uint64_t seq) {
    send(side, seq);
    futex(shared_->to[side].bell, FUTEX_WAIT, heard_[side]);
    return receive(side);
  }

 private:
  struct Box {
    std::atomic<std::uint32_t> bell{0};  // the futex word: bumped once per token
    std::atomic<std::uint64_t> seq{0};
    StampSlot stamp{0};  // latency_stamps.hpp: beside the token, in its line
  };
  struct Boxes {
    alignas(64) Box to[2];
  };
  long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t val) {
    return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op | private_flag_, val, nullptr, nullptr, 0);
  }

  SharedBlock<Boxes> shared_;
  int private_flag_;
  std::uint32_t heard_[2] = {0, 0};  // per side, in each task's own memory: bells already answered
};

}  // namespace bench_switch
