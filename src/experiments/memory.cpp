#include "experiments/memory.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <coroutine>
#include <latch>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "children.hpp"
#include "measure/clock.hpp"
#include "measure/memory.hpp"
#include "mechanisms/counted_coroutine.hpp"
#include "mechanisms/stacks.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

std::vector<pid_t> IdleTasks::children() const { return {}; }

namespace {
namespace ctx = boost::context;

// Suspended once inside its body, as a task waiting for an event would be.
CountedCoroutine idle_coroutine_waiting() { co_await std::suspend_always{}; }

class IdleThreads final : public IdleTasks {
 public:
  explicit IdleThreads(std::size_t n) : started_(static_cast<std::ptrdiff_t>(n)) {
    threads_.reserve(n);
    try {
      // Each thread counts itself started, then blocks on the release latch. std::latch waits on a
      // futex (libstdc++'s atomic wait): a blocked thread takes no CPU and touches no more memory,
      // and one count_down wakes all of them at once at the end.
      for (std::size_t i = 0; i < n; ++i)
        threads_.emplace_back([this] {
          started_.count_down();
          release_.wait();
        });
    } catch (...) {  // thread creation refused (a limit): let the ones made go, and say so
      release();
      throw;
    }
    started_.wait();  // every thread has run up to its wait: its stack pages are what they will stay
  }
  ~IdleThreads() override { release(); }
  void release() override {
    if (released_) return;
    released_ = true;
    release_.count_down();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  std::size_t size() const override { return threads_.size(); }

 private:
  std::latch started_;
  std::latch release_{1};
  bool released_ = false;
  std::vector<std::thread> threads_;
};

class IdleProcesses final : public IdleTasks {
 public:
  explicit IdleProcesses(std::size_t n) {
    // O_CLOEXEC: a program another part of the harness starts must not inherit the write end,
    // or the children would never see end-of-file.
    if (pipe2(hold_, O_CLOEXEC) != 0 || pipe2(ready_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pids_.reserve(n);
    const pid_t parent = getpid();
    for (std::size_t i = 0; i < n; ++i) {
      const pid_t pid = fork();
      if (pid < 0) {
        const int error = errno;
        close_fd(ready_[1]);
        release();
        throw std::system_error(error, std::generic_category(), "fork of idle process " + std::to_string(i + 1));
      }
      if (pid == 0) child(parent);
      pids_.push_back(pid);
    }
    close_fd(ready_[1]);  // now only the children hold it: end-of-file means they all left
    // One byte per child that reached its wait. Fewer and end-of-file: a child died on the way.
    std::size_t got = 0;
    char buf[256];
    const PartnerWait wait;  // a child stopped on its way holds the pipe open: no end-of-file
    while (got < n) {
      const ssize_t r = read(ready_[0], buf, sizeof buf);
      if (r < 0 && errno == EINTR && !wait.expired()) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    if (got < n) {
      release();
      throw std::runtime_error("only " + std::to_string(got) + " of " + std::to_string(n) + " children started");
    }
  }
  ~IdleProcesses() override { release(); }
  // Closing the write end makes every child's read return end-of-file, and each _exits. A child
  // still there after 5 s (stopped, wedged) is killed: a failed run never leaves a process behind.
  void release() override {
    close_fd(hold_[1]);
    reap_all(pids_, 5'000'000'000u);
    pids_.clear();
    close_fd(hold_[0]);
    close_fd(ready_[0]);
    close_fd(ready_[1]);
  }
  std::vector<pid_t> children() const override { return pids_; }
  std::size_t size() const override { return pids_.size(); }

 private:
  // Only async-signal-safe calls here: the parent may have other threads, whose locks (malloc's
  // among them) a forked child inherits in whatever state they were.
  [[noreturn]] void child(pid_t parent) {
    // Belt and braces: end-of-file on the pipe already ends the child when the parent dies, unless
    // something else still holds the write end; the kernel's SIGKILL does not depend on that.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before the request took effect
    close(hold_[1]);                    // or this child itself would keep the pipe open: no EOF, ever
    close(ready_[0]);
    const char one = 1;
    if (write(ready_[1], &one, 1) != 1) _exit(2);
    close(ready_[1]);
    char c;
    while (read(hold_[0], &c, 1) < 0 && errno == EINTR) {
    }
    // _exit: the child is a copy of the harness, whose atexit handlers and stdio buffers must not
    // run or be flushed a second time.
    _exit(0);
  }
  static void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  int hold_[2] = {-1, -1};   // children block reading [0]; the parent holds [1] until release
  int ready_[2] = {-1, -1};  // each child writes one byte once it is about to block
  std::vector<pid_t> pids_;
};

class IdleFibers final : public IdleTasks {
 public:
  explicit IdleFibers(std::size_t n) {
    fibers_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      // Boost's default size (128 KiB usable plus a guard page), as a program that does not choose
      // would get. Each fiber is resumed once, runs into its function and suspends back here: its
      // stack holds what a suspended fiber keeps (its context record and its function's frame).
      fibers_.emplace_back(std::allocator_arg, CountedStack<ctx::protected_fixedsize_stack>(ctx::protected_fixedsize_stack()),
                           [](ctx::fiber&& main) {
                             main = std::move(main).resume();
                             return std::move(main);
                           });
      fibers_.back() = std::move(fibers_.back()).resume();
    }
  }
  ~IdleFibers() override { release(); }
  // Resume each to the end of its function, so its stack is released the ordinary way (destroying a
  // suspended fiber would unwind it with an exception instead).
  void release() override {
    for (ctx::fiber& f : fibers_)
      if (f) f = std::move(f).resume();
    fibers_.clear();
  }
  std::size_t size() const override { return fibers_.size(); }

 private:
  std::vector<ctx::fiber> fibers_;
};

class IdleCoroutines final : public IdleTasks {
 public:
  explicit IdleCoroutines(std::size_t n) {
    handles_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      handles_.push_back(idle_coroutine_waiting().handle);
      handles_.back().resume();  // runs to its co_await and suspends there
    }
  }
  ~IdleCoroutines() override { release(); }
  void release() override {
    for (const auto h : handles_) {
      h.resume();  // to final_suspend
      h.destroy();
    }
    handles_.clear();
  }
  std::size_t size() const override { return handles_.size(); }

 private:
  std::vector<std::coroutine_handle<CountedCoroutine::promise_type>> handles_;
};

double memory_per_task(std::uint64_t after, std::uint64_t before, std::size_t n) {
  // Signed: a reading taken on a busy machine can come out a little lower after than before.
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
}

}  // namespace

std::unique_ptr<IdleTasks> make_idle_tasks(TaskKind kind, std::size_t n) {
  switch (kind) {
    case TaskKind::thread: return std::make_unique<IdleThreads>(n);
    case TaskKind::process: return std::make_unique<IdleProcesses>(n);
    case TaskKind::fiber: return std::make_unique<IdleFibers>(n);
    case TaskKind::coroutine: return std::make_unique<IdleCoroutines>(n);
    case TaskKind::call: break;  // a call is no task: nothing stays alive
  }
  throw std::invalid_argument("idle tasks are threads, processes, fibers or coroutines");
}

IdleMemory measure_idle_memory(TaskKind kind, std::size_t n) {
  if (n == 0) throw std::invalid_argument("measure_idle_memory needs at least one task");
  // Give the heap's free pages back first: otherwise new frames and thread records would land in
  // pages that are already resident, and the difference would miss them.
  malloc_trim(0);
  const MemoryReading before = read_memory();
  const std::uint64_t kernel_before = read_kernel_bytes();
  const std::uint64_t t0 = now_ns();
  const auto tasks = make_idle_tasks(kind, n);
  const std::uint64_t t1 = now_ns();
  const MemoryReading after = read_memory();
  const std::uint64_t kernel_after = read_kernel_bytes();

  IdleMemory m;
  m.tasks = n;
  m.create_ns = static_cast<double>(t1 - t0);
  m.kernel_bytes_per_task = memory_per_task(kernel_after, kernel_before, n);
  if (kind == TaskKind::process) {
    // A forked child maps all of its parent's pages copy-on-write, so its Rss counts the parent's
    // whole resident set again (N children: N times). What a child adds is the pages only it maps:
    // its private bytes (USS: the stack and data pages it wrote, copied on write). Its Pss, beside,
    // also charges it 1/(N+1) of every page it still shares with the parent: the parent's size
    // spread over the children, not memory any child added.
    std::uint64_t priv = 0, pss = 0, vm = 0;
    for (const pid_t pid : tasks->children()) {
      const MemoryReading r = read_memory(pid);
      if (!r.from_smaps_rollup) throw std::runtime_error("cannot read a child's smaps_rollup: no per-process Pss here");
      priv += r.private_bytes, pss += r.pss, vm += r.vm_size;
    }
    m.rss_bytes_per_task = memory_per_task(priv, 0, n);
    m.pss_bytes_per_task = memory_per_task(pss, 0, n);
    // A child's address space is a copy of the parent's: this is the parent's reservation, mirrored.
    m.virtual_bytes_per_task = memory_per_task(vm, 0, n);
  } else {
    m.rss_bytes_per_task = memory_per_task(after.rss, before.rss, n);
    m.virtual_bytes_per_task = memory_per_task(after.vm_size, before.vm_size, n);
  }
  if (kind == TaskKind::coroutine) m.frame_bytes = static_cast<double>(last_coroutine_frame_bytes().load());
  tasks->release();
  // The control, after the tasks are gone: the same machine-wide reading over windows as long as
  // the creation, with nothing made in them.
  const auto window = std::chrono::nanoseconds(static_cast<std::int64_t>(m.create_ns));
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t k0 = read_kernel_bytes();
    std::this_thread::sleep_for(window);
    m.kernel_noise_bytes_per_task = std::max(m.kernel_noise_bytes_per_task, std::abs(memory_per_task(read_kernel_bytes(), k0, n)));
  }
  return m;
}

}  // namespace bench_switch
