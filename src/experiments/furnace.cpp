// The moment of the switch (gophers.hpp): K gophers sharing one furnace on one CPU, each hold of
// the furnace timed. A thread may be preempted by the tick while it holds the furnace; a fiber
// gives the CPU up only after burning.
#include <boost/fiber/all.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "arch/current.hpp"
#include "experiments/gopher_pile.hpp"
#include "experiments/gophers.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"

namespace bench_switch {
namespace {

// Test-and-test-and-set with the CPU's spin hint, and no yield: a waiter spins until the holder
// lets go, however long that is, which on one CPU means until the kernel preempts the waiter.
class FurnaceSpinLock {
 public:
  void lock() {
    while (taken_.exchange(true, std::memory_order_acquire))
      while (taken_.load(std::memory_order_relaxed)) arch::spin_pause();
  }
  void unlock() { taken_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> taken_{false};
};

// One gopher's times: how long it waited for the furnace and how long it held it, per book.
struct FurnaceLog {
  std::vector<std::uint64_t> waits, holds;
};

// The work away from the furnace first (the three stages, one spin), then the burn under `m`.
template <class Mutex, class AfterBook>
void furnace_gopher(GopherPile& p, Mutex& m, std::atomic<int>& inside, FurnaceLog& log, AfterBook after_book) {
  while (const auto book = p.take()) {
    spin_work(3 * p.work.stage_units);
    const std::uint64_t asked = now_ns();
    m.lock();
    const std::uint64_t got = now_ns();
    if (inside.fetch_add(1, std::memory_order_relaxed) != 0) p.violations.fetch_add(1, std::memory_order_relaxed);
    spin_work(p.work.burn_units);
    p.burnt[*book].fetch_add(1, std::memory_order_relaxed);
    inside.fetch_sub(1, std::memory_order_relaxed);
    const std::uint64_t done = now_ns();
    m.unlock();
    log.waits.push_back(got - asked);
    log.holds.push_back(done - got);
    after_book();
  }
}

template <class Mutex>
GophersRun furnace_gang(bool fibers, int gophers, GopherPile& pile, std::vector<FurnaceLog>& logs) {
  Mutex m;
  std::atomic<int> inside{0};
  for (FurnaceLog& l : logs) l.waits.reserve(pile.work.books), l.holds.reserve(pile.work.books);
  if (fibers)
    return run_fiber_gang(gophers, [&](int i) { furnace_gopher(pile, m, inside, logs[i], [] { boost::this_fiber::yield(); }); });
  return run_thread_gang(gophers, [&](int i) { furnace_gopher(pile, m, inside, logs[i], [] {}); });
}

// A hold that took kStalledHoldNs beyond the median: the holder was off the CPU inside it, and
// the furnace stood idle for the excess, while every other gopher that wanted it waited.
void read_holds(const std::vector<FurnaceLog>& logs, FurnaceMoment& m) {
  std::vector<std::uint64_t> holds;
  for (const FurnaceLog& l : logs) {
    holds.insert(holds.end(), l.holds.begin(), l.holds.end());
    for (const std::uint64_t w : l.waits) m.wait_ns += static_cast<double>(w);
  }
  m.holds = holds.size();
  if (holds.empty()) return;
  std::nth_element(holds.begin(), holds.begin() + static_cast<std::ptrdiff_t>(holds.size() / 2), holds.end());
  m.hold_median_ns = static_cast<double>(holds[holds.size() / 2]);
  for (const std::uint64_t h : holds) {
    const double excess = static_cast<double>(h) - m.hold_median_ns;
    if (excess > kStalledHoldNs) ++m.preempted_holds, m.stall_ns += excess;
  }
}

}  // namespace

FurnaceMoment burn_on_one_cpu(FurnaceLock lock, int gophers, const BookWork& work, int cpu) {
  if (gophers < 1) throw std::invalid_argument("burn_on_one_cpu needs at least one gopher");
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  const ScopedPin pin(one);  // the threads made below inherit the mask; fibers run on this thread
  GopherPile pile(work);
  std::vector<FurnaceLog> logs(static_cast<std::size_t>(gophers));
  FurnaceMoment m;
  switch (lock) {
    case FurnaceLock::mutex: m.run = furnace_gang<std::mutex>(false, gophers, pile, logs); break;
    case FurnaceLock::spin: m.run = furnace_gang<FurnaceSpinLock>(false, gophers, pile, logs); break;
    case FurnaceLock::fiber: m.run = furnace_gang<boost::fibers::mutex>(true, gophers, pile, logs); break;
  }
  m.run.books_wrong = pile.wrong();
  m.run.furnace_violations = pile.violations.load();
  read_holds(logs, m);
  return m;
}

}  // namespace bench_switch
