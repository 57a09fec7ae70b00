// Two threads, each running its own Asio event loop (an io_context): the sender posts the token,
// as a handler, to the receiver's loop; the receiver's thread runs its loop until that handler
// has run. An io_context with nothing to do and work outstanding sleeps in its scheduler (a
// condition variable, no reactor is made for posts alone), so each handoff is a post that wakes
// a sleeping loop: the cross-thread hop of an Asio program. The loop is run one handler at a
// time (run_one) so that the shared loop of kernel_pair.hpp times it; a program whose handler
// posted the answer itself would make the same calls. Threads only: a handler cannot be posted
// into another process.
#pragma once
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <cstdint>

#include "handoff.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

class AsioPostCarrier {
 public:
  explicit AsioPostCarrier(bool /*process_shared: never, see above*/) {}
  void send(int to_side, std::uint64_t seq) {
    asio::post(loop_[to_side], [this, to_side, seq] {
      box_[to_side] = seq;  // runs on the receiver's thread, inside its loop
      full_[to_side] = true;
    });
  }
  std::uint64_t receive(int side) {
    const PartnerWait wait;
    while (!full_[side]) {
      loop_[side].run_one();  // the token's handler, or the bound's tick (waker_)
      if (!full_[side] && wait.expired()) return kStopToken;
    }
    full_[side] = false;
    return box_[side];
  }
  void keep_side(int) {}

 private:
  asio::io_context loop_[2];
  // A loop without outstanding work would return from run_one at once instead of sleeping.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_[2] = {asio::make_work_guard(loop_[0]),
                                                                                 asio::make_work_guard(loop_[1])};
  // Touched only by the receiving side's thread: the handlers run there.
  std::uint64_t box_[2] = {0, 0};
  bool full_[2] = {false, false};
  // A sleeping io_context does not return on a signal, so the bound wakes it with an empty
  // handler (4 a second while a bound is held). Declared last: gone before the loops.
  TickWaker waker_{[this] {
    for (auto& loop : loop_) asio::post(loop, [] {});
  }};
};

}  // namespace bench_switch
