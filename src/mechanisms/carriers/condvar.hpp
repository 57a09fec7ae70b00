// std::mutex + std::condition_variable: what most C++ code uses to hand work between threads.
// Threads only: std::mutex cannot be shared between processes.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "handoff.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

class CondvarCarrier {
 public:
  explicit CondvarCarrier(bool /*process_shared: never, see above*/) {}
  void send(int to_side, std::uint64_t seq) {
    {
      std::lock_guard lock(mutex_);
      box_[to_side] = seq;
      full_[to_side] = true;
    }
    ready_[to_side].notify_one();  // after unlocking, so the woken thread does not block on the mutex
  }
  std::uint64_t receive(int side) {
    std::unique_lock lock(mutex_);
    const PartnerWait wait;
    while (!full_[side]) {
      ready_[side].wait(lock);  // woken by the partner, or by the bound's tick (waker_)
      if (!full_[side] && wait.expired()) return kStopToken;
    }
    full_[side] = false;
    return box_[side];
  }
  void keep_side(int) {}
  StampSlot& stamp_slot(int to_side) { return stamp_[to_side]; }

 private:
  std::mutex mutex_;
  std::condition_variable ready_[2];
  std::uint64_t box_[2] = {0, 0};
  bool full_[2] = {false, false};
  StampSlot stamp_[2] = {0, 0};  // latency_stamps.hpp: beside the tokens
  // pthread_cond_wait resumes its own wait after the bound's signal, so the bound wakes it instead
  // (a spurious wake-up, 4 a second while a bound is held). Declared last: gone before the rest.
  TickWaker waker_{[this] {
    for (auto& cv : ready_) cv.notify_all();
  }};
};

}  // namespace bench_switch
