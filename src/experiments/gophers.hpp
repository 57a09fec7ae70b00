// Family `gophers` (Rob Pike, "Concurrency is not Parallelism"): a pile of books to burn. Each
// book is work away from the furnace (load the cart, wheel it there, bring the empty cart back:
// three equal stages) and work at it (burn), and the furnace takes one gopher at a time. The same
// pile, four ways: one gopher; K gophers doing whole books and sharing one furnace; a pipeline of
// four gophers, one per stage, passing books along bounded queues; K gophers each with a furnace
// of their own. In kernel threads (free to use every CPU) and in Boost.Fiber fibers (one thread).
//
// And the moment of the switch: K gophers sharing the furnace on one CPU, where the kernel may
// preempt a thread while it holds the furnace (behind a mutex, or a spinning lock) and a fiber
// yields only after burning. Each hold of the furnace is timed: a hold much longer than its burn
// is one during which the holder was off the CPU, and the furnace stood idle while the others
// waited. No Google Benchmark here: bench/gophers.cpp times it.
#pragma once
#include <cstdint>
#include <string_view>

#include "task_kind.hpp"

namespace bench_switch {

enum class GopherWay { one, shared, pipeline, independent };
std::string_view gopher_way_name(GopherWay way);

// A pile: `books` books, each `stage_units` of spin_work in each of the three stages away from
// the furnace and `burn_units` at it.
struct BookWork {
  std::uint64_t books = 0;
  std::uint64_t stage_units = 0;
  std::uint64_t burn_units = 0;
};
// `books` books of `book_ns` each, `furnace_share` of it at the furnace.
BookWork book_work(std::uint64_t books, double book_ns, double furnace_share);

// What the kernel and the clock saw over one pile, and the proof it was burnt right.
struct GophersRun {
  double elapsed_ns = 0;                  // from releasing the gophers until the last is done
  double cpu_ns = 0;                      // CPU time of the whole process over the same span
  std::int64_t voluntary = 0;             // kernel context switches of the process over the span
  std::int64_t involuntary = 0;
  std::uint64_t books_wrong = 0;          // books not burnt exactly once
  std::uint64_t furnace_violations = 0;   // times a gopher found another inside its furnace
};

// The whole pile once. `gophers` is K for shared and independent; one is one gopher, pipeline four.
GophersRun burn_books(TaskKind task, GopherWay way, int gophers, const BookWork& work);

enum class FurnaceLock { mutex, spin, fiber };

struct FurnaceMoment {
  GophersRun run;
  std::uint64_t holds = 0;            // times a gopher took the furnace (one per book)
  std::uint64_t preempted_holds = 0;  // holds that took over kStalledHoldNs longer than the burn
  double stall_ns = 0;                // in those: the hold's time beyond the median hold, summed
  double wait_ns = 0;                 // time gophers spent waiting for the furnace, summed
  double hold_median_ns = 0;
};
// A hold this much longer than the median hold: the holder was off the CPU inside it (a tick is
// 1-10 ms; a burn here is at most 10 µs, an interrupt a few µs).
inline constexpr double kStalledHoldNs = 50'000;

// `gophers` gophers sharing one furnace, every one on CPU `cpu`: threads with `lock` mutex or
// spin, or fibers on one thread (`lock` fiber) that yield after each book.
FurnaceMoment burn_on_one_cpu(FurnaceLock lock, int gophers, const BookWork& work, int cpu);

}  // namespace bench_switch
