#include <time.h>

#include "bare_loops/bare_loop.hpp"

namespace bench_switch::bare {

std::uint64_t bare_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace bench_switch::bare
