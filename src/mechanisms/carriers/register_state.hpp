// Any carrier, with each side putting its extended registers in a chosen state right before it
// hands over (measure/xstate.hpp): the state the kernel then saves when that side blocks, and
// restores when it runs again. The state is a word both sides read (in MAP_SHARED memory for a
// process pair), set by the harness between batches, when the partner is waiting: so batches of
// one handoff alternate between a live state and the clean control (family xstate). Each side
// records XGETBV(1), the components live as it hands over, as proof.
#pragma once
#include <atomic>
#include <cstdint>

#include "measure/xstate.hpp"
#include "mechanisms/shared_block.hpp"

namespace bench_switch {

template <class Inner>
class RegisterStateCarrier {
 public:
  explicit RegisterStateCarrier(bool process_shared) : inner_(process_shared), shared_(process_shared) {}
  void send(int to_side, std::uint64_t seq) {
    hold_register_state(shared_->state.load(std::memory_order_relaxed));
    shared_->xinuse_seen[1 - to_side].store(xinuse(), std::memory_order_relaxed);
    inner_.send(to_side, seq);
  }
  std::uint64_t receive(int side) { return inner_.receive(side); }
  void keep_side(int side) { inner_.keep_side(side); }
  // From the measuring side, between runs: the partner reads it before its next answer.
  void set_state(RegisterState state) { shared_->state.store(state, std::memory_order_relaxed); }
  // What `side` (0 measuring, 1 partner) had live at its last handover.
  std::uint64_t xinuse_seen(int side) const { return shared_->xinuse_seen[side].load(std::memory_order_relaxed); }

 private:
  struct Shared {
    std::atomic<RegisterState> state{RegisterState{}};
    std::atomic<std::uint64_t> xinuse_seen[2] = {0, 0};
  };
  Inner inner_;
  SharedBlock<Shared> shared_;
};

}  // namespace bench_switch
