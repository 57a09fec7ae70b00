// Families spawn, memory and contention: every spawned task runs and is released (no child left,
// no stack or frame alive), the /proc readings parse, and the contended work is done exactly once.
// No test asserts a timing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/context/stack_traits.hpp>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <functional>
#include <vector>

#include "experiments/contention.hpp"
#include "experiments/spawn.hpp"
#include "measure/memory.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {

// No child of this process is left, reaped or not.
void expect_no_child(const std::string& after) {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << after << ": a child is left";
  EXPECT_EQ(errno, ECHILD) << after;
}

void expect_nothing_alive(const std::string& after) {
  EXPECT_EQ(live_fiber_stacks().load(), 0) << after << ": a fiber stack is still allocated";
  EXPECT_EQ(live_coroutine_frames().load(), 0) << after << ": a coroutine frame is still allocated";
  expect_no_child(after);
}

std::size_t threads_of_this_process() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// --- spawn ----------------------------------------------------------------------------------------

TEST(Spawn, EveryKindRunsItsTaskToTheEndAndReleasesIt) {
  PooledFiberSpawner pooled;
  const std::vector<std::pair<const char*, std::function<bool()>>> kinds = {
      {"thread", spawn_thread},
      {"fork", spawn_fork},
      {"fiber_fixed_stack", spawn_fiber_fixed_stack},
      {"fiber_pooled_stack", [&pooled] { return pooled(); }},
      {"coroutine", spawn_coroutine},
  };
  const std::size_t threads_before = threads_of_this_process();
  for (const auto& [name, spawn] : kinds) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(spawn()) << name;
    expect_nothing_alive(name);
  }
  EXPECT_EQ(threads_of_this_process(), threads_before) << "a spawned thread was not joined";
}

TEST(Spawn, PosixSpawnRunsAProgramAndReapsIt) {
  const std::string program = find_program("true");
  if (program.empty()) GTEST_SKIP() << "no 'true' program here";
  EXPECT_EQ(program.front(), '/') << program;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(spawn_posix_spawn(program));
  expect_nothing_alive("posix_spawn");
}

TEST(Spawn, AProgramThatFailsIsReportedAndStillReaped) {
  const std::string program = find_program("false");
  if (program.empty()) GTEST_SKIP() << "no 'false' program here";
  EXPECT_FALSE(spawn_posix_spawn(program));
  EXPECT_FALSE(spawn_posix_spawn("/nonexistent/program"));
  expect_nothing_alive("a failing posix_spawn");
}

TEST(Spawn, FindProgramSaysWhenThereIsNone) {
  EXPECT_EQ(find_program("bench-switch-no-such-program"), "");
}

// --- idle tasks (family memory) ----------------------------------------------------------------

TEST(IdleTasks, AllAreAliveUntilReleasedAndNothingIsLeftAfter) {
  constexpr std::size_t n = 16;
  const std::size_t threads_before = threads_of_this_process();
  for (const IdleKind kind : {IdleKind::thread, IdleKind::process, IdleKind::fiber, IdleKind::coroutine}) {
    const std::string name = "idle kind " + std::to_string(static_cast<int>(kind));
    std::vector<pid_t> children;
    {
      const auto tasks = make_idle_tasks(kind, n);
      EXPECT_EQ(tasks->size(), n) << name;
      children = tasks->children();
      switch (kind) {
        case IdleKind::thread: EXPECT_EQ(threads_of_this_process(), threads_before + n); break;
        case IdleKind::process:
          ASSERT_EQ(children.size(), n);
          for (const pid_t pid : children) EXPECT_EQ(kill(pid, 0), 0) << "child " << pid << " should be waiting";
          break;
        case IdleKind::fiber: EXPECT_EQ(live_fiber_stacks().load(), static_cast<long>(n)); break;
        case IdleKind::coroutine: EXPECT_EQ(live_coroutine_frames().load(), static_cast<long>(n)); break;
      }
      tasks->release();
      tasks->release();  // idempotent; the destructor calls it a third time
    }
    expect_nothing_alive(name);
    EXPECT_EQ(threads_of_this_process(), threads_before) << name;
    for (const pid_t pid : children) EXPECT_EQ(kill(pid, 0), -1) << "child " << pid << " outlived its release";
  }
}

TEST(IdleTasks, ProcessesWhoseChildWasKilledStillTearDown) {
  {
    const auto tasks = make_idle_tasks(IdleKind::process, 4);
    kill(tasks->children().at(1), SIGKILL);
  }
  expect_nothing_alive("a killed idle child");
}

TEST(IdleMemory, EveryKindGivesItsFiguresAndReleasesItsTasks) {
  constexpr std::size_t n = 32;
  for (const IdleKind kind : {IdleKind::thread, IdleKind::process, IdleKind::fiber, IdleKind::coroutine}) {
    const std::string name = "idle kind " + std::to_string(static_cast<int>(kind));
    const IdleMemory m = measure_idle_memory(kind, n);
    EXPECT_EQ(m.tasks, n) << name;
    // Reservations, not timings: a thread reserves its whole stack and a fiber Boost's default one.
    if (kind == IdleKind::thread) {
      EXPECT_GE(m.virtual_bytes_per_task, 64.0 * 1024) << name;
    }
    if (kind == IdleKind::fiber) {
      EXPECT_GE(m.virtual_bytes_per_task, static_cast<double>(boost::context::stack_traits::default_size())) << name;
    }
    if (kind == IdleKind::process) {
      EXPECT_GT(m.rss_bytes_per_task, 0.0) << "a forked child writes at least its stack: some page is its own";
      EXPECT_GE(m.pss_bytes_per_task, m.rss_bytes_per_task) << "Pss counts the private pages and a share of the rest";
      EXPECT_GT(m.virtual_bytes_per_task, 0.0) << name;
    }
    if (kind == IdleKind::coroutine) {
      EXPECT_GT(m.frame_bytes, 0.0);
    }
    expect_nothing_alive(name);
  }
}

// --- /proc readings -------------------------------------------------------------------------------

constexpr const char* kStatus =
    "Name:\tbench_switch\n"
    "Umask:\t0022\n"
    "State:\tS (sleeping)\n"
    "VmPeak:\t  120000 kB\n"
    "VmSize:\t  110592 kB\n"
    "VmLck:\t       0 kB\n"
    "VmHWM:\t    9000 kB\n"
    "VmRSS:\t    8192 kB\n"
    "RssAnon:\t    4000 kB\n"
    "RssFile:\t    4192 kB\n"
    "Threads:\t3\n";

constexpr const char* kSmapsRollup =
    "55baabdf3000-7ffdd0df5000 ---p 00000000 00:00 0                          [rollup]\n"
    "Rss:                1640 kB\n"
    "Pss:                 219 kB\n"
    "Pss_Dirty:           112 kB\n"
    "Pss_Anon:            112 kB\n"
    "Pss_File:            107 kB\n"
    "Shared_Clean:       1488 kB\n"
    "Shared_Dirty:          0 kB\n"
    "Private_Clean:        40 kB\n"
    "Private_Dirty:       112 kB\n"
    "Swap:                  0 kB\n";

TEST(MemoryReading, ParsesStatusAndSmapsRollup) {
  const MemoryReading r = parse_memory(kStatus, kSmapsRollup);
  EXPECT_TRUE(r.from_smaps_rollup);
  EXPECT_EQ(r.vm_size, 110592u * 1024);
  EXPECT_EQ(r.rss, 1640u * 1024) << "Rss from smaps_rollup, not VmRSS";
  EXPECT_EQ(r.pss, 219u * 1024);
  EXPECT_EQ(r.private_bytes, (40u + 112u) * 1024);
}

TEST(MemoryReading, FallsBackToVmRssWithoutSmapsRollup) {
  const MemoryReading r = parse_memory(kStatus, "");
  EXPECT_FALSE(r.from_smaps_rollup);
  EXPECT_EQ(r.rss, 8192u * 1024);
  EXPECT_EQ(r.pss, 0u);
  EXPECT_THROW(parse_memory("Name:\tkthreadd\nThreads:\t1\n", ""), std::runtime_error);
}

TEST(MemoryReading, MatchesWholeFieldNamesOnly) {
  EXPECT_EQ(kb_field(kSmapsRollup, "Pss"), 219u * 1024) << "not Pss_Dirty or Pss_Anon";
  EXPECT_EQ(kb_field(kStatus, "RSS"), std::nullopt) << "not the tail of VmRSS";
  EXPECT_EQ(kb_field(kStatus, "Threads"), std::nullopt) << "a count, not a size in kB";
  EXPECT_EQ(kb_field(kStatus, "Missing"), std::nullopt);
  EXPECT_EQ(kb_field("Last:   7 kB", "Last"), 7u * 1024) << "a last line without a newline";
}

TEST(MemoryReading, KernelBytesAreKernelStacksPlusPageTables) {
  constexpr const char* meminfo =
      "MemTotal:       24000000 kB\n"
      "KernelStack:        1812 kB\n"
      "PageTables:         4824 kB\n"
      "SecPageTables:         0 kB\n";
  EXPECT_EQ(parse_kernel_bytes(meminfo), (1812u + 4824u) * 1024);
  EXPECT_GT(read_kernel_bytes(), 0u);
}

TEST(MemoryReading, ReadsThisProcessAndSeesItGrow) {
  const MemoryReading before = read_memory();
  EXPECT_GT(before.rss, 0u);
  EXPECT_GE(before.vm_size, before.rss);
  if (before.from_smaps_rollup) {
    EXPECT_LE(before.pss, before.rss);
  }
  // 16 MiB written page by page must show in the resident set: the reading is of this process.
  std::vector<char> block(16u << 20);
  for (std::size_t i = 0; i < block.size(); i += 4096) block[i] = 1;
  const MemoryReading after = read_memory(getpid());
  EXPECT_GE(after.rss, before.rss + (15u << 20));
  EXPECT_GE(after.vm_size, before.vm_size + (15u << 20));
  EXPECT_THROW(read_memory(0x7ffffff0), std::runtime_error) << "no such process";
}

// --- contention -----------------------------------------------------------------------------------

TEST(Contention, EveryChunkIsDoneExactlyOnceAndTheLockExcludes) {
  const ContentionWork work{300, 500};
  for (const ContentionTask task : {ContentionTask::threads, ContentionTask::fibers}) {
    for (const int n : {1, 2, 4}) {
      for (const bool shared : {true, false}) {
        const std::string name = std::string(task == ContentionTask::threads ? "threads" : "fibers") +
                                 " N=" + std::to_string(n) + (shared ? " shared" : " independent");
        const ContentionRun r = run_contention(task, n, shared, work);
        EXPECT_EQ(r.chunks_done, work.chunks) << name;
        ASSERT_EQ(r.per_worker.size(), static_cast<std::size_t>(n)) << name;
        EXPECT_EQ(r.exclusion_violations, 0u) << name;
        // Fibers yield after every chunk, so round robin gives each worker its turn.
        if (task == ContentionTask::fibers) {
          for (const std::uint64_t c : r.per_worker) EXPECT_GT(c, 0u) << name << ": a fiber did nothing";
        }
      }
    }
  }
}

TEST(Contention, TheDefaultWorkIsAThousandChunks) {
  const ContentionWork w = default_contention_work();
  EXPECT_EQ(w.chunks, 1000u);
  EXPECT_GT(w.spin_units_per_chunk, 0u);
  EXPECT_THROW(run_contention(ContentionTask::threads, 0, true, w), std::invalid_argument);
}

}  // namespace
}  // namespace bench_switch
