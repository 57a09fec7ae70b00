// What two CPUs share, from hwloc: the same PU, one core (SMT siblings), a last-level cache,
// a package, a NUMA node. The placements of the kernel mechanisms are pairs chosen from it
// (issue 11), so that a "cross-CPU" figure says what it crosses.
//
// The topology is this machine's, restricted to the CPUs this process may use (cgroup cpuset,
// taskset), or a synthetic one (hwloc's synthetic description, e.g. "pack:2 l3:1 core:2 pu:2"),
// for tests and --topology on a machine one does not have. A synthetic topology is for choosing
// pairs only: nothing is pinned from it.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bench_switch {

// How far apart two PUs are, nearest first.
enum class Relation { same_cpu, smt_sibling, shared_llc, cross_llc, cross_package };
const char* to_string(Relation r);

struct CpuPair {
  int measuring = -1, partner = -1;  // OS CPU numbers
  Relation relation = Relation::same_cpu;
  bool cross_numa = false;           // the two PUs' local NUMA nodes differ
};

class Topology {
 public:
  // This machine, restricted to the CPUs `allowed` (OS numbers; empty: all it has).
  static std::unique_ptr<Topology> this_machine(const std::vector<int>& allowed, std::string& error);
  // A synthetic machine, e.g. "pack:2 numa:1 l3:1 core:2 pu:2": every PU allowed.
  static std::unique_ptr<Topology> synthetic(const std::string& description, std::string& error);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  std::vector<int> cpus() const;  // the allowed PUs' OS numbers, in hwloc's (logical) order
  Relation relation(int a, int b) const;
  bool cross_numa(int a, int b) const;
  // The first pair, in logical order, whose relation is `wanted` (for `cross_numa`: the first pair on
  // two NUMA nodes, whatever else it crosses); nothing when this machine has none.
  std::optional<CpuPair> pair(Relation wanted) const;
  std::optional<CpuPair> cross_numa_pair() const;
  // One line per PU: its OS number, core, L3 and package (logical indices) and NUMA node.
  std::string describe() const;

 private:
  struct Impl;
  explicit Topology(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench_switch
