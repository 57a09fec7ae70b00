#include "measure/affinity.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace bench_switch {

std::string_view to_string(PlacementKind kind) {
  switch (kind) {
    case PlacementKind::same_cpu: return "same_cpu";
    case PlacementKind::cross_cpu: return "cross_cpu";
    case PlacementKind::unpinned: return "unpinned";
    case PlacementKind::one_thread: return "one_thread";
  }
  return "?";
}

namespace {
// The mask the process started with, read once: later reads would see a benchmark's own pinning.
const cpu_set_t& startup_mask() {
  static const cpu_set_t mask = [] {
    cpu_set_t m;
    CPU_ZERO(&m);
    if (sched_getaffinity(0, sizeof m, &m) != 0) CPU_SET(0, &m);
    return m;
  }();
  return mask;
}

cpu_set_t only(int cpu) {
  cpu_set_t m;
  CPU_ZERO(&m);
  CPU_SET(cpu, &m);
  return m;
}
}  // namespace

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &startup_mask())) cpus.push_back(c);
  return cpus;
}

std::optional<Placement> resolve_placement(PlacementKind kind, std::string& why_not) {
  const auto cpus = allowed_cpus();
  // The last allowed CPU: on most machines CPU 0 takes more of the device interrupts.
  const int home = cpus.back();
  switch (kind) {
    case PlacementKind::same_cpu:
    case PlacementKind::one_thread:
      return Placement{kind, only(home), only(home), fmt::format("{},{}", home, home)};
    case PlacementKind::cross_cpu:
      if (cpus.size() < 2) {
        why_not = fmt::format("skipped: cross_cpu needs two CPUs, this process may use {}", cpus.size());
        return std::nullopt;
      }
      return Placement{kind, only(cpus[0]), only(home), fmt::format("{},{}", cpus[0], home)};
    case PlacementKind::unpinned:
      return Placement{kind, startup_mask(), startup_mask(), "any"};
  }
  why_not = "skipped: unknown placement";
  return std::nullopt;
}

void pin_current_thread(const cpu_set_t& cpus) {
  if (sched_setaffinity(0, sizeof cpus, &cpus) != 0)
    throw PinRefused(fmt::format("skipped: the kernel refused to pin a thread (sched_setaffinity: {})",
                                 std::strerror(errno)));
}

ScopedPin::ScopedPin(const cpu_set_t& cpus) {
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) saved_ = startup_mask();
  pin_current_thread(cpus);
}

ScopedPin::~ScopedPin() { sched_setaffinity(0, sizeof saved_, &saved_); }

}  // namespace bench_switch
