// What makes a whole run's figures suspect, said once each on standard error and kept in the JSON
// (context.bench_switch.warnings): a build that is not a measuring build (no optimisation,
// sanitizers), a CPU quota from the process's cgroup, a counter the kernel refused.
#pragma once
#include <string>
#include <vector>

namespace bench_switch {

// Adds `text` (one line, no trailing newline) unless it was already said, and prints it to
// standard error as "bench_switch: warning: TEXT".
void warn_once(const std::string& text);
// Every warning so far, in the order they were first said.
std::vector<std::string> run_warnings();

// The warnings the build and the process's place on the machine give before anything runs:
// unoptimised code, sanitizers, a cgroup CPU quota (cgroup v2 cpu.max, v1 cpu.cfs_quota_us).
std::vector<std::string> startup_warnings();

}  // namespace bench_switch
