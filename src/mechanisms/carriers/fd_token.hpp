// Moving an 8-byte token through a file descriptor, for the fd-based carriers.
#pragma once
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "handoff.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

inline void write_token(int fd, std::uint64_t seq) {
  while (write(fd, &seq, sizeof seq) < 0 && errno == EINTR) {
  }
}

// kStopToken on end-of-file or error (the other side has gone, and the loop must end, not spin),
// or when the wait outlived its bound (wait_bound.hpp: a stopped or wedged partner).
inline std::uint64_t read_token(int fd) {
  std::uint64_t seq = 0;
  ssize_t n;
  const PartnerWait wait;
  while ((n = read(fd, &seq, sizeof seq)) < 0 && errno == EINTR) {
    if (wait.expired()) return kStopToken;
  }
  return n == static_cast<ssize_t>(sizeof seq) ? seq : kStopToken;
}

inline void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace bench_switch
