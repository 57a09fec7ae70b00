// The topology a run sees: `bench_switch --topology`, and the refusal to measure on another's.
#pragma once
#include <string>

namespace bench_switch {

// --topology: the topology bench_switch sees (this machine's allowed CPUs, a synthetic one, or what
// HWLOC_SYNTHETIC / HWLOC_XMLFILE make hwloc load) and the pair each placement would use, or why
// it is skipped there. It measures nothing. Returns the exit status.
int print_topology(const std::string& synthetic);

// A measuring run pins tasks to CPUs: it refuses (usage_error) a topology that is not this
// machine's (hwloc would bind to CPUs that are not there).
void refuse_another_machine();

}  // namespace bench_switch
