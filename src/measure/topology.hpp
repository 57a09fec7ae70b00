// What two CPUs share, from hwloc: the same PU, one core (SMT siblings), a last-level cache,
// a package, a NUMA node; and what kind each CPU is on a hybrid (P- and E-cores). The placements
// of the kernel mechanisms are pairs chosen from it (placement_pairs.hpp), so that a "cross-CPU"
// figure says what it crosses.
//
// The topology is this machine's, restricted to the CPUs this process may use (cgroup cpuset,
// taskset); or another machine's: a synthetic description (e.g. "pack:2 l3:1 core:2 pu:2"), an
// XML export, or whatever HWLOC_SYNTHETIC / HWLOC_XMLFILE tell hwloc to load. Another machine's
// topology is for choosing pairs only: nothing can be pinned from it (is_this_system()).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bench_switch {

// How far apart two PUs are, nearest first.
enum class Relation { same_cpu, smt_sibling, cross_cpu, cross_llc, cross_package };
const char* to_string(Relation r);

struct CpuPair {
  int measuring = -1, partner = -1;  // OS CPU numbers
  Relation relation = Relation::same_cpu;
  bool cross_numa = false;           // the two PUs' local NUMA nodes differ
};

// One PU as the topology places it: logical indices of its core, last-level cache and package
// (-1 where hwloc knows none), its local NUMA node (the first, where memory-side caches or HBM give
// it several), and its CPU kind ("" unless the machine has several kinds: hwloc's CoreType, e.g.
// IntelCore / IntelAtom, else "kind N" by efficiency rank).
struct CpuPlace {
  int cpu = -1, core = -1, llc = -1, package = -1, numa = -1;
  std::string kind;
};

class Topology {
 public:
  // This machine, restricted to the CPUs `allowed` (OS numbers; empty: all it has). When the
  // environment makes hwloc load another machine (HWLOC_SYNTHETIC, HWLOC_XMLFILE), that machine,
  // unrestricted, with is_this_system() false.
  static std::unique_ptr<Topology> this_machine(const std::vector<int>& allowed, std::string& error);
  // Another machine: hwloc's synthetic description, or the text of an hwloc XML export;
  // restricted to `allowed` when it is not empty (a cpuset on that machine).
  static std::unique_ptr<Topology> synthetic(const std::string& description, std::string& error,
                                             const std::vector<int>& allowed = {});
  static std::unique_ptr<Topology> from_xml(const std::string& xml, std::string& error, const std::vector<int>& allowed = {});
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  bool is_this_system() const;  // false: another machine's topology, nothing can be bound from it
  std::vector<int> cpus() const;   // the allowed PUs' OS numbers, in hwloc's (logical) order
  std::vector<int> one_per_core() const;  // the first allowed PU of each core, in logical order
  CpuPlace place(int cpu) const;
  Relation relation(int a, int b) const;
  bool cross_numa(int a, int b) const;
  // The pair the relation `wanted` uses, nothing when this machine has none:
  // - same_cpu: the last PU (CPU 0 takes more of the device interrupts on most machines);
  // - cross_cpu: the two cores that share the most cache (an L2 of an E-core cluster before an
  //   L3), the first in logical order among equals;
  // - the others: the first pair in logical order.
  std::optional<CpuPair> pair(Relation wanted) const;
  // The first pair in logical order on two NUMA nodes, whatever else it crosses.
  std::optional<CpuPair> cross_numa_pair() const;
  // One line per PU: its OS number, core, L3 and package (logical indices), NUMA node and kind.
  std::string describe() const;

 private:
  struct Impl;
  explicit Topology(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench_switch
