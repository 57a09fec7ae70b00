// Family contention (experiments/contention.hpp): the contended work is done exactly once, and the
// lock excludes. No test asserts a timing.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "experiments/contention.hpp"

namespace bench_switch {
namespace {

TEST(Contention, EveryChunkIsDoneExactlyOnceAndTheLockExcludes) {
  const ContentionWork work{300, 500};
  for (const TaskKind task : {TaskKind::thread, TaskKind::fiber}) {
    for (const int n : {1, 2, 4}) {
      for (const bool shared : {true, false}) {
        const std::string name = std::string(task == TaskKind::thread ? "threads" : "fibers") +
                                 " N=" + std::to_string(n) + (shared ? " shared" : " independent");
        const ContentionRun r = run_contention(task, n, shared, work);
        EXPECT_EQ(r.chunks_done, work.chunks) << name;
        ASSERT_EQ(r.per_worker.size(), static_cast<std::size_t>(n)) << name;
        EXPECT_EQ(r.exclusion_violations, 0u) << name;
        // Fibers yield after every chunk, so round robin gives each worker its turn.
        if (task == TaskKind::fiber) {
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
  EXPECT_THROW(run_contention(TaskKind::thread, 0, true, w), std::invalid_argument);
  EXPECT_THROW(run_contention(TaskKind::process, 1, true, w), std::invalid_argument) << "workers are threads or fibers";
}

}  // namespace
}  // namespace bench_switch
