// Resources the machine may lawfully refuse: a fork or a thread (RLIMIT_NPROC, the cgroup's
// pids.max), file descriptors (RLIMIT_NOFILE), memory and mappings (RLIMIT_AS, vm.max_map_count).
// The benchmark that needs one is skipped with a line that names the resource and its limit here,
// and the run goes on (docs/FAULTS.md); bench/registry.cpp turns the exceptions into that skip.
#pragma once
#include <stdexcept>
#include <string>

namespace bench_switch {

// "fork of the partner process: Resource temporarily unavailable (RLIMIT_NPROC 40: processes and
// threads of this user; or the cgroup's pids.max)": `what` and errno `error`, with the limit that
// explains it read now. Errors that no limit explains get their strerror only.
std::string refusal(const std::string& what, int error);

// True for the errors a limit causes (EAGAIN, EMFILE, ENFILE, ENOMEM).
bool is_refusal(int error);

}  // namespace bench_switch
