// The pair of CPUs each placement uses, chosen from a topology: the nearest pair that has the
// relation the placement names. A placement the machine cannot give is skipped with a sentence
// that says what it needs and what the allowed CPUs are; it is never faked on another pair.
// Pure functions of the topology, so that tests choose pairs on machines this one is not.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "measure/affinity.hpp"
#include "measure/topology.hpp"

namespace bench_switch {

struct PlacementPair {
  std::optional<CpuPair> pair;  // nothing for unpinned (the scheduler chooses) and when skipped
  std::string why_not;          // "skipped: ..." when the topology cannot give the placement
};
PlacementPair choose_pair(const Topology& topology, PlacementKind kind);

// This machine's topology, restricted to the CPUs this process may use, loaded once; nullptr
// with `error` set when hwloc cannot read it.
const Topology* machine_topology(std::string* error = nullptr);
// choose_pair on machine_topology(), chosen once per placement: every benchmark call and every
// JSON entry asks, and choosing looks at every pair of CPUs (n² on a big machine).
const PlacementPair& machine_pair(PlacementKind kind);

// What a placement's CPUs are, for each result in the JSON: the two CPUs, their relation,
// their NUMA nodes and their kinds (empty on a machine of one kind). Nothing for unpinned and
// for a placement this machine skips.
struct PlacementFacts {
  std::vector<int> cpus;
  std::string relation;     // what the two share: same_cpu, smt_sibling, cross_cpu, cross_llc, cross_package
  bool cross_numa = false;  // the two are on different NUMA nodes
  std::vector<int> numa;
  std::vector<std::string> kinds;
};
std::optional<PlacementFacts> placement_facts(PlacementKind kind);

}  // namespace bench_switch
