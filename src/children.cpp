#include "children.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "measure/clock.hpp"

namespace bench_switch {

void reap_by(pid_t pid, std::uint64_t deadline_ns) {
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;  // reaped (or not our child at all)
    if (now_ns() >= deadline_ns) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return;
    }
    usleep(100);  // with parent and child on one CPU, this is what lets the child run to its exit
  }
}

void reap_all(const std::vector<pid_t>& pids, std::uint64_t timeout_ns) {
  const std::uint64_t deadline = now_ns() + timeout_ns;
  for (const pid_t pid : pids) reap_by(pid, deadline);
}

}  // namespace bench_switch
