// Families gophers and furnace: every way burns every book exactly once, with nobody inside a
// furnace another holds, for threads and fibers, K dividing the pile or not, a pile smaller than
// the gang and an empty one; the one-CPU furnace logs one hold per book. No test asserts a timing.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "experiments/gophers.hpp"
#include "measure/affinity.hpp"

namespace bench_switch {
namespace {

// Threads and fibers apart: TSan cannot follow a fiber's stack switch, and leaves out "Fiber" tests.
void expect_every_book_burnt_once(TaskKind task) {
  {
    for (const auto way : {GopherWay::one, GopherWay::shared, GopherWay::pipeline, GopherWay::independent}) {
      for (const int k : {1, 3, 8}) {
        for (const std::uint64_t books : {0u, 5u, 300u}) {
          const GophersRun r = burn_books(task, way, k, BookWork{books, 20, 20});
          const std::string what = std::string(gopher_way_name(way)) + (task == TaskKind::fiber ? " fibers" : " threads") +
                                   ", K=" + std::to_string(k) + ", " + std::to_string(books) + " books";
          EXPECT_EQ(r.books_wrong, 0u) << what;
          EXPECT_EQ(r.furnace_violations, 0u) << what;
          EXPECT_GT(r.elapsed_ns, 0) << what;
        }
      }
    }
  }
}

TEST(Gophers, ThreadsBurnEveryBookExactlyOnce) { expect_every_book_burnt_once(TaskKind::thread); }
TEST(Gophers, FibersBurnEveryBookExactlyOnce) { expect_every_book_burnt_once(TaskKind::fiber); }

TEST(Gophers, APileIsSplitByTheFurnacesShare) {
  const BookWork w = book_work(10, 10'000, 0.25);
  EXPECT_EQ(w.books, 10u);
  EXPECT_GT(w.burn_units, 0u);
  EXPECT_NEAR(static_cast<double>(w.burn_units), static_cast<double>(w.stage_units), 0.02 * static_cast<double>(w.burn_units));
  EXPECT_THROW(book_work(10, 10'000, 1.0), std::invalid_argument);
  EXPECT_THROW(burn_books(TaskKind::thread, GopherWay::shared, 0, w), std::invalid_argument);
  EXPECT_THROW(burn_books(TaskKind::coroutine, GopherWay::shared, 1, w), std::invalid_argument) << "gophers are threads or fibers";
}

void expect_one_hold_per_book(std::initializer_list<FurnaceLock> locks) {
  const int cpu = allowed_cpus().back();
  for (const auto lock : locks) {
    const FurnaceMoment m = burn_on_one_cpu(lock, 4, BookWork{200, 20, 20}, cpu);
    EXPECT_EQ(m.run.books_wrong, 0u) << static_cast<int>(lock);
    EXPECT_EQ(m.run.furnace_violations, 0u) << static_cast<int>(lock);
    EXPECT_EQ(m.holds, 200u) << static_cast<int>(lock);
    EXPECT_LE(m.preempted_holds, m.holds);
    EXPECT_GE(m.stall_ns, 0);
  }
}

TEST(Furnace, ThreadsHoldItOncePerBookOnOneCpu) { expect_one_hold_per_book({FurnaceLock::mutex, FurnaceLock::spin}); }
TEST(Furnace, FibersHoldItOncePerBookOnOneCpu) { expect_one_hold_per_book({FurnaceLock::fiber}); }

}  // namespace
}  // namespace bench_switch
