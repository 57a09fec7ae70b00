// Two eventfds, one per direction. The token is the counter's value: the receiver reads (and so
// resets) it before the next send, so the value read is exactly the one written.
#pragma once
#include <sys/eventfd.h>

#include <cerrno>
#include <system_error>

#include "mechanisms/carriers/fd_token.hpp"

namespace bench_switch {

class EventfdCarrier {
 public:
  static constexpr bool has_syscalls_of_its_own = true;  // measured alone too: see CarrierAlone
  explicit EventfdCarrier(bool /*process_shared: fds are inherited by fork*/) {
    to_[0] = eventfd(0, EFD_CLOEXEC);
    to_[1] = eventfd(0, EFD_CLOEXEC);
    if (to_[0] < 0 || to_[1] < 0) {
      const int error = errno;  // a refused second one (RLIMIT_NOFILE) must not leak the first
      close_fd(to_[0]), close_fd(to_[1]);
      throw std::system_error(error, std::generic_category(), "eventfd");
    }
  }
  ~EventfdCarrier() { close_fd(to_[0]), close_fd(to_[1]); }
  void send(int to_side, std::uint64_t seq) { write_token(to_[to_side], seq); }
  std::uint64_t receive(int side) { return read_token(to_[side]); }
  void keep_side(int) {}  // both sides use both eventfds; an eventfd has no end-of-file anyway

 private:
  int to_[2];
};

}  // namespace bench_switch
