// io_uring, one ring per side: the sender submits an IORING_OP_MSG_RING on its own ring, which
// posts a completion carrying the token (in user_data) straight into the receiver's ring; the
// receiver waits for that completion in io_uring_enter. No file is read or written: the token
// goes ring to ring, and the wake-up is the kernel's completion wake-up, as for any io_uring I/O.
// (Debian 12's liburing 2.3 has no IORING_OP_FUTEX_WAIT, and the ring's eventfd read would time a
// pipe-like carrier; MSG_RING is what moves work between rings.)
//
// For a process pair both rings are made before fork() and inherited: each side then uses only
// its own ring, and the other's file descriptor only as the target of its messages.
#pragma once
#include <liburing.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "handoff.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

// Empty when this kernel lets this process pass tokens by IORING_OP_MSG_RING; otherwise why not,
// starting "skipped:" (no io_uring, /proc/sys/kernel/io_uring_disabled, no MSG_RING or
// IOSQE_CQE_SKIP_SUCCESS). Probed once (io_uring_support.cpp).
const std::string& io_uring_unavailable();

class IoUringCarrier {
 public:
  static constexpr bool has_syscalls_of_its_own = true;  // measured alone too: see CarrierAlone
  explicit IoUringCarrier(bool /*process_shared: the rings are inherited by fork*/) {
    for (io_uring& ring : ring_) {
      if (const int e = io_uring_queue_init(4, &ring, 0); e < 0)
        throw std::runtime_error(std::string("io_uring_queue_init failed: ") + std::strerror(-e));
      ++made_;
    }
  }
  ~IoUringCarrier() {
    for (int i = 0; i < made_; ++i) io_uring_queue_exit(&ring_[i]);
  }
  IoUringCarrier(const IoUringCarrier&) = delete;
  IoUringCarrier& operator=(const IoUringCarrier&) = delete;

  // One io_uring_enter: the message is delivered inline, during the submit. Its own completion is
  // skipped on success, so the sender's ring only ever holds tokens for the sender.
  void send(int to_side, std::uint64_t seq) {
    io_uring& mine = ring_[1 - to_side];
    io_uring_sqe* sqe = io_uring_get_sqe(&mine);  // never full: one message in flight per ring
    io_uring_prep_msg_ring(sqe, ring_[to_side].ring_fd, 0, seq, 0);
    io_uring_sqe_set_data64(sqe, kSendFailed);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    while (io_uring_submit(&mine) == -EINTR) {
    }
  }
  // kStopToken when the wait outlived its bound (wait_bound.hpp: the tick's signal makes
  // io_uring_enter return EINTR) or when a message of ours failed.
  std::uint64_t receive(int side) {
    io_uring& mine = ring_[side];
    io_uring_cqe* cqe = nullptr;
    const PartnerWait wait;
    for (;;) {
      const int e = io_uring_wait_cqe(&mine, &cqe);
      if (e == 0) break;
      if (e != -EINTR || wait.expired()) return kStopToken;
    }
    const std::uint64_t seq = cqe->user_data;
    io_uring_cqe_seen(&mine, cqe);
    return seq == kSendFailed ? kStopToken : seq;
  }
  void keep_side(int) {}  // each side needs the other's ring as its messages' target
  // Alone in one task the completion is there before the wait, and liburing would not enter the
  // kernel to wait; entering anyway (it returns at once) charges the receiver's syscall too.
  std::uint64_t loopback(int side, std::uint64_t seq) {
    send(side, seq);
    io_uring_enter(static_cast<unsigned>(ring_[side].ring_fd), 0, 1, IORING_ENTER_GETEVENTS, nullptr);
    return receive(side);
  }

 private:
  // The user_data of our own message's completion, posted only when the message failed.
  static constexpr std::uint64_t kSendFailed = kStopToken + 1;
  io_uring ring_[2];
  int made_ = 0;
};

}  // namespace bench_switch
