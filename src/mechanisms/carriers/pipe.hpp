// Two pipes, one per direction: lmbench lat_ctx's carrier.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "mechanisms/carriers/fd_token.hpp"

namespace bench_switch {

class PipeCarrier {
 public:
  static constexpr bool has_syscalls_of_its_own = true;  // measured alone too: see CarrierAlone
  explicit PipeCarrier(bool /*process_shared: fds are inherited by fork*/) {
    if (pipe2(to_[0], O_CLOEXEC) != 0 || pipe2(to_[1], O_CLOEXEC) != 0) {
      const int error = errno;  // a refused second pipe (RLIMIT_NOFILE) must not leak the first
      close_all();
      throw std::system_error(error, std::generic_category(), "pipe2");
    }
  }
  ~PipeCarrier() { close_all(); }
  void send(int to_side, std::uint64_t seq) { write_token(to_[to_side][1], seq); }
  std::uint64_t receive(int side) { return read_token(to_[side][0]); }
  // Keep the read end of my own pipe and the write end of the other's. If my copy of my own write
  // end stayed open, my read would never see end-of-file when the other side dies.
  void keep_side(int side) {
    close_fd(to_[side][1]);
    close_fd(to_[1 - side][0]);
  }

 private:
  void close_all() {
    for (auto& p : to_) close_fd(p[0]), close_fd(p[1]);
  }
  int to_[2][2] = {{-1, -1}, {-1, -1}};  // to_[side] = {read end, write end} of the pipe that carries tokens to `side`
};

}  // namespace bench_switch
