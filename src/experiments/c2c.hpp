// The core-to-core matrix (family `c2c`): one kernel handoff measured between every pair of the
// chosen CPUs, as core-to-core-latency measures a cache line, but knowing the topology: the CPUs
// are one PU per core by default, every pair is labelled with what it shares, and the matrix is
// bounded by a time budget, sampling pairs across every relation first when it cannot hold them all.
// No Google Benchmark here: bench/c2c.cpp runs this for the busy-spin carrier (one cache line)
// and the futex wake-up.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "measure/topology.hpp"
#include "mechanisms.hpp"

namespace bench_switch {

// The CPUs the matrix spans: "cores" (the first PU of each core: SMT siblings would double the
// matrix with pairs the smt_sibling placement already measures), "all" (every PU), or a list with
// an optional stride, "0-63:4" (every 4th of CPUs 0-63) or "0,2,8-11". Only allowed CPUs; nothing
// with `error` set for a spec that is not one of these or names no allowed CPU.
std::vector<int> c2c_cpus(const Topology& topology, const std::string& spec, std::string& error);

// The pairs to measure, in the order they are measured: a round robin over the relations (the
// nearest first), so that a budget that runs out has sampled every relation alike. Each pair is
// measured once, the measuring CPU first in `cpus`' order: a round trip's two halves are the same
// two hops, so (a, b) and (b, a) are one figure. `diagonal`: also each CPU with itself.
std::vector<std::pair<int, int>> c2c_pair_order(const Topology& topology, const std::vector<int>& cpus, bool diagonal);

// The batches a cell is the median of (about 0.2 ms each, after a warm-up).
inline constexpr int kC2cCellBatches = 7;

struct C2cCell {
  double median_ns = 0, lo_ns = 0, hi_ns = 0;  // ns per one-way handoff: median of the batches, its interval
  double kernel_switches_per_switch = 0;        // the kernel's count over both tasks, per one-way handoff
  // Entries into idle states deeper than polling on the pair's CPUs, per one-way handoff, over the
  // cell's batches; NaN where the machine has no cpuidle counts.
  double deep_idle_entries_per_switch = 0;
};
struct C2cMatrix {
  std::vector<int> cpus;
  // cells[i][j]: measuring task on cpus[i], partner on cpus[j]; nothing where not measured.
  std::vector<std::vector<std::optional<C2cCell>>> cells;
  std::size_t pairs_total = 0, pairs_measured = 0;
  double elapsed_s = 0, budget_s = 0;
  std::string failure;  // why a pair could not be measured (a pin refused, a partner lost); "" if none
  bool refused = false;  // that failure was a limit's refusal (RLIMIT_NPROC…): a skip, not a failure
};

// What keeps a cell's two CPUs in a state while the cell is measured (the `busy` idle state: a
// spinner on each): made before the cell's handoff, dropped after it. May throw PinRefused.
using C2cCellGuard = std::function<std::shared_ptr<void>(int measuring, int partner)>;

// Measures `mechanism` between each pair of `order` until `budget_s` runs out.
C2cMatrix measure_c2c(const Mechanism& mechanism, const std::vector<int>& cpus,
                      const std::vector<std::pair<int, int>>& order, double budget_s, const C2cCellGuard& guard = {});

}  // namespace bench_switch
