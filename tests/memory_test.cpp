// Family memory (experiments/memory.hpp) and the /proc readings it takes (measure/memory.hpp): every
// idle task is alive until released and nothing is left after, and the readings parse. No test
// asserts a timing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/context/stack_traits.hpp>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/memory.hpp"
#include "measure/memory.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

TEST(IdleTasks, AllAreAliveUntilReleasedAndNothingIsLeftAfter) {
  constexpr std::size_t n = 16;
  const std::size_t threads_before = threads_of_this_process();
  for (const TaskKind kind : {TaskKind::thread, TaskKind::process, TaskKind::fiber, TaskKind::coroutine}) {
    const std::string name = "idle " + std::string(to_string(kind));
    std::vector<pid_t> children;
    {
      const auto tasks = make_idle_tasks(kind, n);
      EXPECT_EQ(tasks->size(), n) << name;
      children = tasks->children();
      switch (kind) {
        case TaskKind::thread: EXPECT_EQ(threads_of_this_process(), threads_before + n); break;
        case TaskKind::process:
          ASSERT_EQ(children.size(), n);
          for (const pid_t pid : children) EXPECT_EQ(kill(pid, 0), 0) << "child " << pid << " should be waiting";
          break;
        case TaskKind::fiber: EXPECT_EQ(live_fiber_stacks().load(), static_cast<long>(n)); break;
        case TaskKind::coroutine: EXPECT_EQ(live_coroutine_frames().load(), static_cast<long>(n)); break;
        case TaskKind::call: break;  // not in the list: a call is no task
      }
      tasks->release();
      tasks->release();  // idempotent; the destructor calls it a third time
    }
    expect_nothing_alive(name);
    EXPECT_EQ(threads_of_this_process(), threads_before) << name;
    for (const pid_t pid : children) EXPECT_EQ(kill(pid, 0), -1) << "child " << pid << " outlived its release";
  }
}

TEST(IdleTasks, ACallIsNoIdleTask) { EXPECT_THROW(make_idle_tasks(TaskKind::call, 1), std::invalid_argument); }

TEST(IdleTasks, ProcessesWhoseChildWasKilledStillTearDown) {
  {
    const auto tasks = make_idle_tasks(TaskKind::process, 4);
    kill(tasks->children().at(1), SIGKILL);
  }
  expect_nothing_alive("a killed idle child");
}

TEST(IdleMemory, EveryKindGivesItsFiguresAndReleasesItsTasks) {
  constexpr std::size_t n = 32;
  for (const TaskKind kind : {TaskKind::thread, TaskKind::process, TaskKind::fiber, TaskKind::coroutine}) {
    const std::string name = "idle " + std::string(to_string(kind));
    const IdleMemory m = measure_idle_memory(kind, n);
    EXPECT_EQ(m.tasks, n) << name;
    // Reservations, not timings: a thread reserves its whole stack and a fiber Boost's default one.
    if (kind == TaskKind::thread) {
      EXPECT_GE(m.virtual_bytes_per_task, 64.0 * 1024) << name;
    }
    if (kind == TaskKind::fiber) {
      EXPECT_GE(m.virtual_bytes_per_task, static_cast<double>(boost::context::stack_traits::default_size())) << name;
    }
    if (kind == TaskKind::process) {
      EXPECT_GT(m.rss_bytes_per_task, 0.0) << "a forked child writes at least its stack: some page is its own";
      EXPECT_GE(m.pss_bytes_per_task, m.rss_bytes_per_task) << "Pss counts the private pages and a share of the rest";
      EXPECT_GT(m.virtual_bytes_per_task, 0.0) << name;
    }
    if (kind == TaskKind::coroutine) {
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

}  // namespace
}  // namespace bench_switch
