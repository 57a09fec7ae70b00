// The suites bench_switch runs as programs of their own (the Python suite, bench_go).
#pragma once
#include <string>
#include <vector>

namespace bench_switch {

// Runs argv[0] with its arguments (no shell, so no quoting), standard streams inherited (its
// standard output sent to standard error when `quiet_stdout`, so that bench_switch's own standard
// output can carry the JSON); returns its exit status, or -1 when it could not be started or was
// killed.
int run_command(const std::vector<std::string>& argv, bool quiet_stdout);

}  // namespace bench_switch
