#include "measure/work.hpp"

#include <algorithm>
#include <array>

#include "measure/clock.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace bench_switch {

std::uint64_t spin_work(std::uint64_t units) {
  std::uint64_t x = 88172645463325252ull;
  for (std::uint64_t i = 0; i < units; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: each step needs the last
    asm volatile("" : "+r"(x));
  }
  return x;
}

double ns_per_spin_unit() {
  static const double ns = [] {
    std::uint64_t units = 1000;
    while (true) {  // grow until one timing is about 2 ms
      const std::uint64_t t0 = now_ns();
      spin_work(units);
      if (now_ns() - t0 > 2'000'000) break;
      units *= 2;
    }
    std::array<double, 7> per_unit{};
    for (double& v : per_unit) {
      const std::uint64_t t0 = now_ns();
      spin_work(units);
      v = static_cast<double>(now_ns() - t0) / static_cast<double>(units);
    }
    std::nth_element(per_unit.begin(), per_unit.begin() + 3, per_unit.end());
    return per_unit[3];
  }();
  return ns;
}

double work_alone_ns(const Work& work) {
  if (work.empty()) return 0;
  WorkRunner chunk(work);
  chunk();  // first touch: page faults, cold cache
  // About 2 ms a timing, so the clock reads do not count.
  const std::uint64_t t0 = now_ns();
  chunk();
  const double one = std::max<double>(1.0, static_cast<double>(now_ns() - t0));
  const auto reps = static_cast<std::uint64_t>(std::max(1.0, 2e6 / one));
  std::array<double, 7> per_chunk{};
  for (double& v : per_chunk) {
    const std::uint64_t t1 = now_ns();
    for (std::uint64_t i = 0; i < reps; ++i) chunk();
    v = static_cast<double>(now_ns() - t1) / static_cast<double>(reps);
  }
  std::nth_element(per_chunk.begin(), per_chunk.begin() + 3, per_chunk.end());
  return per_chunk[3];
}

std::uint64_t spin_units_for_ns(double ns) {
  return static_cast<std::uint64_t>(std::max(0.0, ns / ns_per_spin_unit() + 0.5));
}

WorkRunner::WorkRunner(const Work& work) : work_(work), set_(work.touch_bytes, 1) {}

void WorkRunner::run() {
#if defined(__x86_64__)
  // lfence waits until every earlier instruction has completed. Without it the CPU overlaps this
  // chunk with the other side's (an independent dependency chain, a few instructions away across a
  // fiber switch), and short chunks between fiber switches look cheaper than they are (measured:
  // "efficiency" 1.5 at W = 30 ns).
  _mm_lfence();
#endif
  if (work_.spin_units) spin_work(work_.spin_units);
  // One write per 64-byte line: every line of the set is brought into this CPU's cache, as a
  // task that really uses its data would (lmbench lat_ctx sums its array for the same reason).
  for (std::size_t i = 0; i < set_.size(); i += 64) {
    set_[i] = static_cast<unsigned char>(set_[i] + 1);
    asm volatile("" : : "r"(set_.data()) : "memory");
  }
}

}  // namespace bench_switch
