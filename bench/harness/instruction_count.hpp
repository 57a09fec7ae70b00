// `bench_switch --count-instructions MECHANISM ROUNDS` (scripts/instruction_gate.py).
#pragma once
#include <cstdint>
#include <string>

namespace bench_switch {

// Exactly `rounds` round trips of a one-thread mechanism with callgrind collecting only them:
// instruction counts do not drift with machine load, so a change in them is a change in the code
// path. Outside valgrind the toggles are a few no-op instructions. Returns the exit status.
int count_instructions(const std::string& mechanism, std::uint64_t rounds);

}  // namespace bench_switch
