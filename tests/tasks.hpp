// What many tests need of the tasks they start: this machine's same-CPU placement to start them
// on, and the checks that a child is gone and reaped (no zombie, no survivor) and that nothing a
// test started is left alive.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>

#include "measure/affinity.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {

inline Placement same_cpu() {
  std::string why_not;
  return *resolve_placement(PlacementKind::same_cpu, why_not);
}

inline void expect_reaped(pid_t pid) {
  errno = 0;
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH) << "process " << pid << " still exists";
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD) << "process " << pid << " was not reaped";
}

// No child of this process is left, reaped or not.
inline void expect_no_child(const std::string& after) {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << after << ": a child is left";
  EXPECT_EQ(errno, ECHILD) << after;
}

// No fiber stack, coroutine frame or child of this process is left.
inline void expect_nothing_alive(const std::string& after) {
  EXPECT_EQ(live_fiber_stacks().load(), 0) << after << ": a fiber stack is still allocated";
  EXPECT_EQ(live_coroutine_frames().load(), 0) << after << ": a coroutine frame is still allocated";
  expect_no_child(after);
}

inline std::size_t threads_of_this_process() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace bench_switch
