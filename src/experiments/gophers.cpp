#include "experiments/gophers.hpp"

#include "experiments/gopher_pile.hpp"

#include <sys/resource.h>
#include <time.h>

#include <boost/fiber/all.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "arch/current.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/work.hpp"

namespace bench_switch {
namespace {

constexpr std::size_t kGopherQueue = 64;  // books a pipeline stage may hold for the next (a power of 2: Boost's channel)

// A furnace: its lock, and the count of gophers inside (a cache line each: independent furnaces
// must not contend through false sharing).
template <class Mutex>
struct alignas(64) GopherFurnace {
  Mutex mutex;
  std::atomic<int> inside{0};
};

template <class Mutex>
void burn_at(GopherPile& p, GopherFurnace<Mutex>& f, std::uint64_t book) {
  const std::lock_guard<Mutex> hold(f.mutex);
  if (f.inside.fetch_add(1, std::memory_order_relaxed) != 0) p.violations.fetch_add(1, std::memory_order_relaxed);
  spin_work(p.work.burn_units);
  p.burnt[book].fetch_add(1, std::memory_order_relaxed);
  f.inside.fetch_sub(1, std::memory_order_relaxed);
}

// A bounded queue between two threads' stages: push waits while it is full, pop while empty;
// after close, pop drains it and then says there is no more.
template <class T>
class ThreadBookQueue {
 public:
  void push(T v) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < kGopherQueue; });
    q_.push_back(v);
    not_empty_.notify_one();
  }
  void close() {
    const std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
  }
  std::optional<T> pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return std::nullopt;
    T v = q_.front();
    q_.pop_front();
    not_full_.notify_one();
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  bool closed_ = false;
};

template <class T>
class FiberBookQueue {
 public:
  void push(T v) { ch_.push(v); }
  void close() { ch_.close(); }
  std::optional<T> pop() {
    T v{};
    return ch_.pop(v) == boost::fibers::channel_op_status::success ? std::optional(v) : std::nullopt;
  }

 private:
  boost::fibers::buffered_channel<T> ch_{kGopherQueue};
};

// What differs between threads and fibers: the furnace's lock, the queue, and the yield after
// each book (fibers on one thread interleave only where they yield).
struct ThreadKit {
  using Mutex = std::mutex;
  using Queue = ThreadBookQueue<std::uint64_t>;
  static void after_book() {}
};
struct FiberKit {
  using Mutex = boost::fibers::mutex;
  using Queue = FiberBookQueue<std::uint64_t>;
  static void after_book() { boost::this_fiber::yield(); }
};

template <class Kit>
void whole_books(GopherPile& p, GopherFurnace<typename Kit::Mutex>& f) {
  while (const auto book = p.take()) {
    p.stage();  // load the cart
    p.stage();  // wheel it to the furnace
    burn_at(p, f, *book);
    p.stage();  // bring the empty cart back
    Kit::after_book();
  }
}

template <class Kit>
std::function<void(int)> gopher_body(GopherWay way, GopherPile& p, int gophers,
                                     std::vector<std::unique_ptr<GopherFurnace<typename Kit::Mutex>>>& furnaces,
                                     std::vector<std::unique_ptr<typename Kit::Queue>>& queues) {
  for (int i = 0; i < (way == GopherWay::independent ? gophers : 1); ++i)
    furnaces.push_back(std::make_unique<GopherFurnace<typename Kit::Mutex>>());
  if (way != GopherWay::pipeline)
    return [&, way](int i) { whole_books<Kit>(p, *furnaces[way == GopherWay::independent ? i : 0]); };
  for (int i = 0; i < 3; ++i) queues.push_back(std::make_unique<typename Kit::Queue>());
  return [&](int stage) {
    if (stage == 0) {
      while (const auto book = p.take()) p.stage(), queues[0]->push(*book);
      return queues[0]->close();
    }
    while (const auto book = queues[stage - 1]->pop()) {
      if (stage == 2) burn_at(p, *furnaces[0], *book);
      else p.stage();
      if (stage < 3) queues[stage]->push(*book);
    }
    if (stage < 3) queues[stage]->close();
  };
}

template <class Kit>
GophersRun burn_with(GopherWay way, int gophers, const BookWork& work, bool fibers) {
  GopherPile pile(work);
  std::vector<std::unique_ptr<GopherFurnace<typename Kit::Mutex>>> furnaces;
  std::vector<std::unique_ptr<typename Kit::Queue>> queues;
  const auto body = gopher_body<Kit>(way, pile, gophers, furnaces, queues);
  GophersRun r = fibers ? run_fiber_gang(gophers, body) : run_thread_gang(gophers, body);
  r.books_wrong = pile.wrong();
  r.furnace_violations = pile.violations.load();
  return r;
}

std::uint64_t gophers_process_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

void GopherSpan::start() {
  getrusage(RUSAGE_SELF, &r0);
  c0 = gophers_process_cpu_ns();
  t0 = now_ns();
}

GophersRun GopherSpan::stop() const {
  const std::uint64_t t1 = now_ns(), c1 = gophers_process_cpu_ns();
  rusage r1{};
  getrusage(RUSAGE_SELF, &r1);
  GophersRun r;
  r.elapsed_ns = static_cast<double>(t1 - t0), r.cpu_ns = static_cast<double>(c1 - c0);
  r.voluntary = r1.ru_nvcsw - r0.ru_nvcsw, r.involuntary = r1.ru_nivcsw - r0.ru_nivcsw;
  return r;
}

GophersRun run_thread_gang(int n, const std::function<void(int)>& body) {
  std::atomic<bool> go{false};
  std::latch done(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  try {
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] {
        go.wait(false);
        body(i);
        done.count_down();
      });
  } catch (...) {  // a thread refused: let the ones made run out, so they can be joined
    go.store(true), go.notify_all();
    for (std::thread& t : threads) t.join();
    throw;
  }
  GopherSpan span;
  span.start();
  go.store(true), go.notify_all();
  done.wait();
  GophersRun r = span.stop();
  for (std::thread& t : threads) t.join();
  return r;
}

GophersRun run_fiber_gang(int n, const std::function<void(int)>& body) {
  std::vector<boost::fibers::fiber> fibers;
  for (int i = 0; i < n; ++i) fibers.emplace_back([&body, i] { body(i); });
  GopherSpan span;
  span.start();
  for (auto& f : fibers) f.join();
  return span.stop();
}

std::string_view gopher_way_name(GopherWay way) {
  switch (way) {
    case GopherWay::one: return "one";
    case GopherWay::shared: return "shared";
    case GopherWay::pipeline: return "pipeline";
    case GopherWay::independent: return "independent";
  }
  return "?";
}

BookWork book_work(std::uint64_t books, double book_ns, double furnace_share) {
  if (!(furnace_share > 0 && furnace_share < 1)) throw std::invalid_argument("the furnace's share of a book is in (0, 1)");
  return {books, spin_units_for_ns(book_ns * (1 - furnace_share) / 3), spin_units_for_ns(book_ns * furnace_share)};
}

GophersRun burn_books(TaskKind task, GopherWay way, int gophers, const BookWork& work) {
  if (way == GopherWay::one) gophers = 1;
  if (way == GopherWay::pipeline) gophers = 4;
  if (gophers < 1) throw std::invalid_argument("burn_books needs at least one gopher");
  if (task != TaskKind::thread && task != TaskKind::fiber) throw std::invalid_argument("gophers are threads or fibers");
  return task == TaskKind::thread ? burn_with<ThreadKit>(way, gophers, work, false)
                                  : burn_with<FiberKit>(way, gophers, work, true);
}

}  // namespace bench_switch
