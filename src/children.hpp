// Reaping child processes so that no run, failed or not, leaves a process behind.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace bench_switch {

// Waits for `pid` to exit until `deadline_ns` (on now_ns()'s clock); then kills it with SIGKILL
// and reaps it. A child that is stopped or wedged cannot outlive the run that made it.
void reap_by(pid_t pid, std::uint64_t deadline_ns);

// Every child in `pids`, with one deadline `timeout_ns` from now for all of them.
void reap_all(const std::vector<pid_t>& pids, std::uint64_t timeout_ns);

}  // namespace bench_switch
