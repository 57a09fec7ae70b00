#include "measure/affinity.hpp"

#include "measure/placement_pairs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace bench_switch {

std::string_view to_string(PlacementKind kind) {
  switch (kind) {
    case PlacementKind::same_cpu: return "same_cpu";
    case PlacementKind::smt_sibling: return "smt_sibling";
    case PlacementKind::cross_cpu: return "cross_cpu";
    case PlacementKind::cross_llc: return "cross_llc";
    case PlacementKind::cross_package: return "cross_package";
    case PlacementKind::cross_numa: return "cross_numa";
    case PlacementKind::unpinned: return "unpinned";
    case PlacementKind::one_thread: return "one_thread";
  }
  return "?";
}

const std::vector<PlacementKind>& preemptive_placements() {
  using P = PlacementKind;
  static const std::vector<PlacementKind> order = {P::same_cpu,      P::smt_sibling, P::cross_cpu, P::cross_llc,
                                                   P::cross_package, P::cross_numa,  P::unpinned};
  return order;
}

std::optional<PlacementKind> placement_from_string(std::string_view name) {
  for (const PlacementKind k : preemptive_placements())
    if (to_string(k) == name) return k;
  if (name == to_string(PlacementKind::one_thread)) return PlacementKind::one_thread;
  return std::nullopt;
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

Placement pinned_pair(int measuring, int partner) {
  return Placement{PlacementKind::cross_cpu, only(measuring), only(partner), fmt::format("{},{}", measuring, partner)};
}

std::optional<Placement> resolve_placement(PlacementKind kind, std::string& why_not) {
  if (kind == PlacementKind::unpinned) return Placement{kind, startup_mask(), startup_mask(), "any"};
  std::string error;
  const Topology* topology = machine_topology(&error);
  if (topology == nullptr) {
    why_not = "skipped: " + error + ", so no pair of CPUs can be chosen";
    return std::nullopt;
  }
  if (!topology->is_this_system()) {  // main refuses such a run; this keeps a library user honest too
    why_not = "skipped: hwloc was told to load another machine's topology (HWLOC_SYNTHETIC or HWLOC_XMLFILE)";
    return std::nullopt;
  }
  const PlacementPair& chosen = machine_pair(kind);
  if (!chosen.pair) {
    why_not = chosen.why_not;
    return std::nullopt;
  }
  Placement p = pinned_pair(chosen.pair->measuring, chosen.pair->partner);
  p.kind = kind;
  return p;
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
