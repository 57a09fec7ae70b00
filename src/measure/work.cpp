#include "measure/work.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

#include "arch/current.hpp"
#include "measure/clock.hpp"

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

std::uint64_t spin_units_for_ns(double ns) {
  return static_cast<std::uint64_t>(std::max(0.0, ns / ns_per_spin_unit() + 0.5));
}

WorkRunner::WorkRunner(const Work& work) : work_(work), set_bytes_(work.touch_bytes) {
  if (set_bytes_ == 0) return;
  constexpr std::size_t kPage = 4096;
  set_.reset(static_cast<unsigned char*>(std::aligned_alloc(kPage, (set_bytes_ + kPage - 1) / kPage * kPage)));
  if (!set_) throw std::bad_alloc();
  std::memset(set_.get(), 1, set_bytes_);  // first touch here, in the task that uses it
}

void WorkRunner::run() {
  // A fence that waits until every earlier instruction has completed (lfence on x86-64, isb on
  // aarch64). Without it the CPU overlaps this chunk with the other side's (an independent
  // dependency chain, a few instructions away across a fiber switch), and short chunks between
  // fiber switches look cheaper than they are (measured on x86-64: "efficiency" 1.5 at W = 30 ns).
  arch::execution_fence();
  if (work_.spin_units) spin_work(work_.spin_units);
  // One write per 64-byte line: every line of the set is brought into this CPU's cache, as a
  // task that really uses its data would (lmbench lat_ctx sums its array for the same reason).
  for (std::size_t i = 0; i < set_bytes_; i += 64) {
    set_[i] = static_cast<unsigned char>(set_[i] + 1);
    asm volatile("" : : "r"(set_.get()) : "memory");
  }
}

}  // namespace bench_switch
