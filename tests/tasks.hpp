// What many tests need of the tasks they start: this machine's same-CPU placement to start them
// on, and the check that a child is gone and reaped (no zombie, no survivor).
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>

#include "measure/affinity.hpp"

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

}  // namespace bench_switch
