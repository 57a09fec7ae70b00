// Reaping child processes so that no run, failed or not, leaves a process behind.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench_switch {

// Waits for `pid` to exit until `deadline_ns` (on now_ns()'s clock); then kills it with SIGKILL
// and reaps it. A child that is stopped or wedged cannot outlive the run that made it.
void reap_by(pid_t pid, std::uint64_t deadline_ns);

// Every child in `pids`, with one deadline `timeout_ns` from now for all of them.
void reap_all(const std::vector<pid_t>& pids, std::uint64_t timeout_ns);

// What became of child `pid`, without reaping it (the caller still does): "killed by signal 9
// (Killed)", "exited with status 3", "was stopped (state T, stopped)", or, for one that lives,
// "is alive but stopped answering (state S, sleeping)".
std::string describe_child(pid_t pid);
// The same for a thread of this process, which cannot die or stop alone: its state only.
std::string describe_thread(pid_t tid);
// False once child `pid` has exited, been killed or stopped (not reaped: the caller still does).
bool child_lives(pid_t pid);

// A waitpid that survives EINTR and the wait bound's ticks (wait_bound.hpp): true once `pid` has
// been reaped with `status` set; false when it gave no sign within the bound (the caller kills it).
bool wait_for_child(pid_t pid, int& status);

}  // namespace bench_switch
