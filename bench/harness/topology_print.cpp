#include "topology_print.hpp"

#include <cstdio>
#include <fmt/format.h>

#include "measure/affinity.hpp"
#include "measure/placement_pairs.hpp"
#include "measure/topology.hpp"
#include "mechanisms.hpp"
#include "options.hpp"

namespace bench_switch {

int print_topology(const std::string& synthetic) {
  std::string error;
  const auto t = synthetic.empty() ? Topology::this_machine(allowed_cpus(), error)
                                   : Topology::synthetic(synthetic, error);
  if (!t) usage_error(error);
  std::printf("%s\n", t->is_this_system() ? "this machine, restricted to the CPUs this process may use:"
                                          : "another machine's topology (pairs only: nothing can be measured on it):");
  std::printf("%s", t->describe().c_str());
  for (const auto where : preemptive_placements()) {
    const auto chosen = choose_pair(*t, where);
    std::string what = chosen.why_not;
    if (where == PlacementKind::unpinned) what = "the scheduler chooses among the allowed CPUs";
    if (chosen.pair) {
      const int a = chosen.pair->measuring, b = chosen.pair->partner;
      const std::string kinds = t->place(a).kind.empty() ? "" : fmt::format(", {} and {}", t->place(a).kind, t->place(b).kind);
      what = fmt::format("cpus {},{}  ({}{}{})", a, b, to_string(t->relation(a, b)),
                         chosen.pair->cross_numa ? ", two NUMA nodes" : "", kinds);
    }
    std::printf("%-14s %s\n", std::string(to_string(where)).c_str(), what.c_str());
  }
  return 0;
}

void refuse_another_machine() {
  std::string error;
  const Topology* t = machine_topology(&error);
  if (t != nullptr && !t->is_this_system())
    usage_error("hwloc was told to load another machine's topology (HWLOC_SYNTHETIC or HWLOC_XMLFILE): bench_switch "
                "cannot measure on it; unset the variable to measure, or use --topology to see that machine's pairs");
}
}  // namespace bench_switch
