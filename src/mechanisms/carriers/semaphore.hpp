// A POSIX semaphore per direction (glibc: an atomic count, with a futex underneath when it is zero).
#pragma once
#include <semaphore.h>

#include <cerrno>
#include <cstdint>

#include "handoff.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "mechanisms/shared_block.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

class SemaphoreCarrier {
 public:
  explicit SemaphoreCarrier(bool process_shared) : shared_(process_shared) {
    for (auto& box : shared_->to) sem_init(&box.sem, process_shared ? 1 : 0, 0);
  }
  ~SemaphoreCarrier() {
    for (auto& box : shared_->to) sem_destroy(&box.sem);
  }
  void send(int to_side, std::uint64_t seq) {
    shared_->to[to_side].seq = seq;  // sem_post orders this store before the receiver's sem_wait returns
    sem_post(&shared_->to[to_side].sem);
  }
  std::uint64_t receive(int side) {
    const PartnerWait wait;  // sem_wait returns EINTR on the bound's tick, SA_RESTART or not
    while (sem_wait(&shared_->to[side].sem) != 0 && errno == EINTR) {
      if (wait.expired()) return kStopToken;
    }
    return shared_->to[side].seq;
  }
  void keep_side(int) {}
  StampSlot& stamp_slot(int to_side) { return shared_->to[to_side].stamp; }

 private:
  struct Box {
    sem_t sem;
    std::uint64_t seq = 0;
    StampSlot stamp{0};  // latency_stamps.hpp: beside the token, in its line
  };
  struct Boxes {
    alignas(64) Box to[2];
  };
  SharedBlock<Boxes> shared_;
};

}  // namespace bench_switch
