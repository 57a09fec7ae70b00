// Creating tasks: one that is created, started and runs to its end (family `spawn`; N of them kept
// alive and idle are experiments/memory.hpp's). No Google Benchmark here: bench/spawn.cpp times these.
#pragma once
#include <boost/context/pooled_fixedsize_stack.hpp>

#include <string>
#include <string_view>

namespace bench_switch {

// Each returns true when the task ran and ended normally, and has released everything it had (the
// thread joined, the child reaped, the stack or frame freed) by the time it returns.

bool spawn_thread();  // pthread_create + pthread_join, default attributes
bool spawn_fork();    // fork(); the child _exit(0)s at once; waitpid
// posix_spawn of `path` (a program that exits 0 at once, e.g. /bin/true), then waitpid.
bool spawn_posix_spawn(const std::string& path);
// The absolute path of the executable `name`, searched in PATH and then /bin and /usr/bin; "" when
// there is none.
std::string find_program(std::string_view name);
// A Boost.Context fiber on a fresh guard-paged stack (protected_fixedsize_stack, mmap + mprotect,
// munmap at the end), resumed once to its end.
bool spawn_fiber_fixed_stack();
bool spawn_coroutine();  // a C++20 coroutine: frame allocated, resumed to its end, destroyed

// Fibers whose stacks come from a pool kept across spawns (pooled_fixedsize_stack: a fiber's stack
// goes back to the pool when it ends, and the next fiber takes it: no mmap, no guard page).
class PooledFiberSpawner {
 public:
  PooledFiberSpawner();
  bool operator()();

 private:
  boost::context::pooled_fixedsize_stack pool_;
};

}  // namespace bench_switch
