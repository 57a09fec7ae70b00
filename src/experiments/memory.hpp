// Creating N tasks that are started and then stay alive, idle, so their memory can be read (family
// `memory`; one task created and run to its end is experiments/spawn.hpp's). No Google Benchmark
// here: bench/memory.cpp times these.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "task_kind.hpp"

namespace bench_switch {

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
std::unique_ptr<IdleTasks> make_idle_tasks(TaskKind kind, std::size_t n);

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
IdleMemory measure_idle_memory(TaskKind kind, std::size_t n);

}  // namespace bench_switch
