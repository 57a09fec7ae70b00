// A UNIX stream socketpair: one socket per side, full duplex.
#pragma once
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include "mechanisms/carriers/fd_token.hpp"

namespace bench_switch {

class SocketpairCarrier {
 public:
  static constexpr bool has_syscalls_of_its_own = true;  // measured alone too: see CarrierAlone
  explicit SocketpairCarrier(bool /*process_shared: fds are inherited by fork*/) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, end_) != 0) throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  ~SocketpairCarrier() { close_fd(end_[0]), close_fd(end_[1]); }
  // The sender writes on its own end (the side that is not `to_side`).
  void send(int to_side, std::uint64_t seq) { write_token(end_[1 - to_side], seq); }
  std::uint64_t receive(int side) { return read_token(end_[side]); }
  void keep_side(int side) { close_fd(end_[1 - side]); }

 private:
  int end_[2];
};

}  // namespace bench_switch
