// Two processes on one CPU passing an 8-byte token through a pipe per direction (lmbench
// lat_ctx's loop). The child exits when its pipe reaches end-of-file, and is reaped.
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "bare_loops/bare_loop.hpp"

namespace bench_switch::bare {
namespace {

class PipePingPong final : public BareLoop {
 public:
  PipePingPong() {
    const int cpu = sched_getcpu();
    if (cpu < 0 || pipe2(to_child_, O_CLOEXEC) != 0 || pipe2(to_parent_, O_CLOEXEC) != 0) {
      const int error = errno;
      close_all();
      throw std::system_error(error, std::generic_category(), "bare pipe ping-pong");
    }
    child_ = fork();
    if (child_ < 0) {
      const int error = errno;
      close_all();
      throw std::system_error(error, std::generic_category(), "fork");
    }
    if (child_ == 0) echo(cpu);  // never returns
    close(to_child_[0]), close(to_parent_[1]);
    to_child_[0] = to_parent_[1] = -1;
  }
  ~PipePingPong() override {
    close_all();  // the child reads end-of-file and exits
    int status = 0;
    while (waitpid(child_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    const std::uint64_t t0 = bare_now_ns();
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      std::uint64_t token = i;
      if (write(to_child_[1], &token, sizeof token) != sizeof token || read(to_parent_[0], &token, sizeof token) != sizeof token)
        throw std::runtime_error("the bare pipe ping-pong's child stopped answering");
    }
    const std::uint64_t t1 = bare_now_ns();
    return static_cast<double>(t1 - t0);
  }

 private:
  // In the child: only async-signal-safe calls (the parent may have other threads).
  [[noreturn]] void echo(int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
    // Only its own two ends: a copy of any other descriptor (the harness's pipes) would keep the
    // harness's partner from seeing end-of-file while this child lives.
    const auto [low, high] = std::minmax(to_child_[0], to_parent_[1]);
    close_range(3, static_cast<unsigned>(low) - 1, 0);
    close_range(static_cast<unsigned>(low) + 1, static_cast<unsigned>(high) - 1, 0);
    close_range(static_cast<unsigned>(high) + 1, ~0u, 0);
    std::uint64_t token;
    while (read(to_child_[0], &token, sizeof token) == sizeof token)
      if (write(to_parent_[1], &token, sizeof token) != sizeof token) break;
    _exit(0);
  }
  void close_all() {
    for (int* fds : {to_child_, to_parent_})
      for (int i = 0; i < 2; ++i)
        if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
  }
  int to_child_[2] = {-1, -1}, to_parent_[2] = {-1, -1};
  pid_t child_ = -1;
};
}  // namespace

std::unique_ptr<BareLoop> make_pipe_pingpong() { return std::make_unique<PipePingPong>(); }

}  // namespace bench_switch::bare
