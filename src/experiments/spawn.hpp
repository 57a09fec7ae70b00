// Creating tasks: one that is created, started and runs to its end (family `spawn`), and N that
// are created, started and then stay alive, idle, so their memory can be read (family `memory`).
// No Google Benchmark here: bench/spawn.cpp and bench/memory.cpp time these.
#pragma once
#include <sys/types.h>

#include <boost/context/pooled_fixedsize_stack.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bench_switch {

// --- One task, created, started and finished ------------------------------------------------------
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

// --- N tasks alive and idle -----------------------------------------------------------------------

enum class IdleKind { thread, process, fiber, coroutine };

// N tasks of one kind, each started and then waiting: threads blocked on a latch (a futex),
// processes blocked reading a pipe, fibers and coroutines suspended. The constructor returns once
// every task has started and reached its wait; release() (or the destructor) lets them all finish
// and frees everything: threads joined, children reaped, stacks and frames released.
class IdleTasks {
 public:
  virtual ~IdleTasks() = default;
  virtual void release() = 0;                  // idempotent
  virtual std::vector<pid_t> children() const;  // the child processes (empty but for processes)
  virtual std::size_t size() const = 0;
};
std::unique_ptr<IdleTasks> make_idle_tasks(IdleKind kind, std::size_t n);

struct IdleMemory {
  std::size_t tasks = 0;
  double create_ns = 0;                // from the first creation until all N have reached their wait
  double rss_bytes_per_task = 0;       // resident bytes each task adds (see measure_idle_memory)
  double virtual_bytes_per_task = 0;   // address space each task reserves
  double pss_bytes_per_task = 0;       // processes only: the children's mean Pss (0 for the others)
  double kernel_bytes_per_task = 0;    // system-wide KernelStack + PageTables growth / N (noisy)
  // Its control: the largest change of the same reading over 3 windows as long as the creation,
  // with no task made, / N. The machine's other tasks move it; a growth not above it is not the tasks'.
  double kernel_noise_bytes_per_task = 0;
  double frame_bytes = 0;              // coroutines only: the size the compiler asked for per frame
};

// Creates N idle tasks of `kind`, reads what memory they added, and releases them.
//   threads, fibers, coroutines: (this process's Rss after - before) / N, (VmSize after - before) / N
//   processes: the children's mean private bytes (Private_Clean + Private_Dirty of each child's
//     smaps_rollup) and mean VmSize; their mean Pss beside.
// Throws std::runtime_error when the tasks cannot be created or read.
IdleMemory measure_idle_memory(IdleKind kind, std::size_t n);

}  // namespace bench_switch
