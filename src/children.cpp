#include "children.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>

#include "measure/clock.hpp"
#include "wait_bound.hpp"

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

namespace {
// The state letter and its name from /proc/<pid>/stat (or /proc/self/task/<tid>/stat): the field
// after the command name in parentheses, which may itself hold spaces and parentheses.
std::string proc_state(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string line;
  if (!std::getline(in, line)) return "gone";
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return "unknown";
  const char s = line[close + 2];
  const char* name = s == 'R' ? "running" : s == 'S' ? "sleeping" : s == 'D' ? "in uninterruptible sleep"
                   : s == 'T' ? "stopped" : s == 't' ? "stopped by a tracer" : s == 'Z' ? "a zombie" : "other";
  return fmt::format("state {}, {}", s, name);
}

std::string silent(const std::string& state) { return fmt::format("is alive but stopped answering ({})", state); }

// How child `pid` ended, if it has: WNOWAIT looks without reaping, so whoever reaps it later still can.
std::optional<siginfo_t> ended(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) return info;
  return std::nullopt;
}
bool stopped(const std::string& state) { return state.rfind("state T", 0) == 0 || state.rfind("state t", 0) == 0; }
}  // namespace

std::string describe_child(pid_t pid) {
  // A child that is dying closes its descriptors before it becomes a zombie: the partner may see
  // end-of-file first. Give it half a second to finish dying before calling it alive.
  const std::uint64_t deadline = now_ns() + 500'000'000;
  std::string state;
  for (;;) {
    if (const auto info = ended(pid)) {
      if (info->si_code == CLD_EXITED) return fmt::format("exited with status {}", info->si_status);
      return fmt::format("killed by signal {} ({})", info->si_status, strsignal(info->si_status));
    }
    state = proc_state(fmt::format("/proc/{}/stat", pid));
    if (stopped(state)) return fmt::format("was stopped ({})", state);
    if (now_ns() >= deadline) return silent(state);
    usleep(10'000);
  }
}

bool child_lives(pid_t pid) { return !ended(pid) && !stopped(proc_state(fmt::format("/proc/{}/stat", pid))); }

std::string describe_thread(pid_t tid) { return silent(proc_state(fmt::format("/proc/self/task/{}/stat", tid))); }

bool wait_for_child(pid_t pid, int& status) {
  const PartnerWait wait;
  for (;;) {
    const pid_t r = waitpid(pid, &status, 0);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return false;
    if (wait.expired()) return false;
  }
}

}  // namespace bench_switch
