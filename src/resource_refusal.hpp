// Resources the machine may lawfully refuse: a fork or a thread (RLIMIT_NPROC, the cgroup's
// pids.max), file descriptors (RLIMIT_NOFILE), memory and mappings (RLIMIT_AS, vm.max_map_count).
// The benchmark that needs one is skipped with a line that names the resource and its limit here,
// and the run goes on (docs/FAULTS.md); bench/harness/registry.cpp turns the exceptions into that skip.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bench_switch {

// "fork of the partner process: Resource temporarily unavailable (RLIMIT_NPROC 40: processes and
// threads of this user; or the cgroup's pids.max)": `what` and errno `error`, with the limit that
// explains it read now. Errors that no limit explains get their strerror only.
std::string refusal(const std::string& what, int error);

// True for the errors a limit causes (EAGAIN, EMFILE, ENFILE, ENOMEM).
bool is_refusal(int error);

// "skipped: " + refusal(what, ...) when `e` is a limit's refusal (a std::system_error with one of
// those errors, or std::bad_alloc); "" for any other exception, which is a failure.
std::string skip_for(const std::string& what, const std::exception& e);

// The limits that stop the whole run, not one benchmark: the main thread's stack (every thread's
// too: a thread's default stack is RLIMIT_STACK), and the descriptors that reading the machine's
// description takes before anything is measured. Each soft limit below what the run needs is raised
// toward its hard limit (descriptors: to the hard limit, as the ring family has a thousand tasks
// with perf counters); "" then, else one line naming the limit, its value and what it stops.
std::string limits_for_the_whole_run();

inline constexpr std::uint64_t kStackBytesNeeded = 1 << 20;  // a latency histogram alone is 30 KiB
// With 4 (0, 1, 2 and one more), Google Benchmark cannot read the machine's caches from /sys; 5 runs
// what needs no descriptor of its own (tests/fault_test.cpp), and refusals skip the rest.
inline constexpr std::uint64_t kDescriptorsNeeded = 5;

}  // namespace bench_switch
