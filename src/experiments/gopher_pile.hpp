// What the two gopher experiments share (gophers.cpp, furnace.cpp): the pile with its
// tally, and the gangs of threads or fibers that burn it inside a timed span.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "experiments/gophers.hpp"
#include "measure/work.hpp"

namespace bench_switch {

// The books' tally (each burnt exactly once), the dispenser handing out the next book, and the
// count of times a gopher found another inside a furnace.
struct GopherPile {
  explicit GopherPile(const BookWork& w) : work(w), burnt(w.books) {}
  const BookWork& work;
  std::vector<std::atomic<std::uint32_t>> burnt;
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> violations{0};
  std::optional<std::uint64_t> take() {
    const std::uint64_t b = next.fetch_add(1, std::memory_order_relaxed);
    return b < work.books ? std::optional(b) : std::nullopt;
  }
  void stage() const { spin_work(work.stage_units); }
  std::uint64_t wrong() const {
    return static_cast<std::uint64_t>(std::count_if(burnt.begin(), burnt.end(), [](const auto& n) { return n.load() != 1; }));
  }
};

// The span's clock, CPU time and kernel switches (the whole process's); started once the gang is ready.
struct GopherSpan {
  std::uint64_t t0 = 0, c0 = 0;
  rusage r0{};
  void start();
  GophersRun stop() const;
};

// `n` threads running body(i), released together once all exist (they inherit the creating
// thread's CPU mask); the measuring thread waits on a latch (a futex), not spinning on a CPU the
// gang is measured on.
GophersRun run_thread_gang(int n, const std::function<void(int)>& body);
// `n` fibers on this thread; they first run when this one blocks in join(), inside the span.
GophersRun run_fiber_gang(int n, const std::function<void(int)>& body);

}  // namespace bench_switch
