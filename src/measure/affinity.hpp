// Pinning tasks to CPUs, and the placements a preemptive handoff is measured in: each a pair of
// CPUs chosen from the machine's topology (placement_pairs.hpp), or the scheduler's choice.
#pragma once
#include <sched.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bench_switch {

// In order of distance: the nearest pair first, then the scheduler's choice, then one thread.
enum class PlacementKind { same_cpu, smt_sibling, cross_cpu, cross_llc, cross_package, cross_numa, unpinned, one_thread };
std::string_view to_string(PlacementKind kind);
std::optional<PlacementKind> placement_from_string(std::string_view name);
// The placements of a preemptive handoff, nearest first: what the switch family measures each
// kernel mechanism in, and the order its results are reported in.
const std::vector<PlacementKind>& preemptive_placements();

// Where the measuring task (side 0) and its partner (side 1) may run.
struct Placement {
  PlacementKind kind;
  cpu_set_t measuring;
  cpu_set_t partner;
  std::string cpus;  // e.g. "1,1" or "0,1" or "any"
};

// The CPUs this process may run on (its affinity mask at start-up, not the machine's count:
// a container or taskset may allow fewer).
std::vector<int> allowed_cpus();

// The placement `kind` on this machine, or nothing with `why_not` set: a placement the machine
// cannot give is skipped with a reason, never faked on other CPUs.
std::optional<Placement> resolve_placement(PlacementKind kind, std::string& why_not);
// The placement of a measuring task on `measuring` and its partner on `partner` (the c2c matrix).
Placement pinned_pair(int measuring, int partner);

// Thrown when the kernel refuses an affinity change; benchmarks turn it into a skip.
struct PinRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void pin_current_thread(const cpu_set_t& cpus);

// Pins the calling thread for its lifetime and restores the previous mask on every return path,
// so a benchmark's pinning never leaks into the next benchmark (or into Google Benchmark itself).
class ScopedPin {
 public:
  explicit ScopedPin(const cpu_set_t& cpus);
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  cpu_set_t saved_;
};

}  // namespace bench_switch
